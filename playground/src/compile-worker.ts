/**
 * The compile worker: runs a transformer front end off the page's thread, so typing never
 * waits for TypeScript or Babel. Each front end is a separate chunk, loaded the first time it
 * is asked for (the TypeScript compiler alone is several megabytes).
 */
import type { CompileRequest, CompileResponse, FrontEnd } from "./protocol";
import type { Compile } from "./front-ends/result";
import { lineLinks } from "./source-map";
import { workerScope } from "./worker-scope";

const loaded = new Map<FrontEnd, Promise<Compile>>();

function load(frontEnd: FrontEnd): Promise<Compile> {
  let compile = loaded.get(frontEnd);
  if (compile === undefined) {
    compile = (
      frontEnd === "babel"
        ? import("./front-ends/babel").then((m) => m.compile)
        : import("./front-ends/typescript").then((m) => m.compile)
    ).catch((error: unknown) => {
      loaded.delete(frontEnd); // a failed download (offline, a newer build) is tried again next time
      throw error;
    });
    loaded.set(frontEnd, compile);
  }
  return compile;
}

// Requests are handled one at a time, in order; the page sends a new one only after the
// previous answer arrived, with the latest text.
workerScope.addEventListener("message", async (event: MessageEvent<CompileRequest>) => {
  const { id, source, frontEnd } = event.data;
  const started = performance.now();
  let response: CompileResponse;
  try {
    const result = (await load(frontEnd))(source);
    const links = result.outputMap === null ? [] : lineLinks(result.outputMap);
    response = { id, frontEnd, ...result, lineLinks: links, elapsed: performance.now() - started };
  } catch (error) {
    // A crash of the front end itself (not a diagnostic of the program): show it as one.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    response = {
      id,
      frontEnd,
      output: "",
      runnable: null,
      diagnostics: [
        {
          from: 0,
          to: 0,
          line: 1,
          column: 1,
          severity: "error",
          code: 0,
          message: `The ${frontEnd} front end failed: ${message}`,
        },
      ],
      elapsed: performance.now() - started,
      outputMap: null,
      runnableMap: null,
      lineLinks: [],
    };
  }
  workerScope.postMessage(response);
});
