/**
 * The page's side of the types worker (types-worker.ts): type errors for the diagnostics list,
 * and the editor's hover and completion, as CodeMirror extensions. The worker is started on the
 * first call to {@link TypesClient.start}, after the page's first compile.
 */
import type { CompletionContext, CompletionResult, CompletionSource } from "@codemirror/autocomplete";
import { EditorState, type Extension } from "@codemirror/state";
import { hoverTooltip, type EditorView } from "@codemirror/view";
import type { PlaygroundDiagnostic } from "./protocol";
import type { CompletionAnswer, HoverAnswer, TypesRequest, TypesResponse } from "./types-protocol";

type Request = TypesRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/** Talks to the types worker; every method resolves to null until the worker is ready or if it failed. */
export class TypesClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, (result: TypesResponse["result"]) => void>();
  private readyResolve!: () => void;
  /** Resolves once the worker has loaded the compiler and the declaration files. */
  readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  /** Starts the worker (once). */
  start(): void {
    if (this.worker !== undefined) return;
    this.worker = new Worker(new URL("./types-worker.ts", import.meta.url), { type: "module", name: "anyio-ts types" });
    this.worker.addEventListener("message", (event: MessageEvent<TypesResponse>) => {
      const { id, result, error } = event.data;
      if (id === 0) return this.readyResolve();
      if (error !== undefined) console.warn(`The language service failed: ${error}`);
      this.waiting.get(id)?.(result);
      this.waiting.delete(id);
    });
    this.worker.addEventListener("error", (event) => {
      // The editor works on without types: every question gets no answer.
      event.preventDefault();
      console.warn(`The language service failed to start: ${event.message}`);
      this.worker?.terminate();
      for (const answer of this.waiting.values()) answer(null);
      this.waiting.clear();
      this.failed = true;
    });
  }

  /** Whether the worker failed to start (the page then shows no types). */
  failed = false;

  private ask(request: Request): Promise<TypesResponse["result"]> {
    if (this.worker === undefined || this.failed) return Promise.resolve(null);
    const id = this.nextId++;
    this.worker.postMessage({ ...request, id } as TypesRequest);
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  /** The type errors of `code`. */
  async check(code: string): Promise<PlaygroundDiagnostic[] | null> {
    return (await this.ask({ method: "check", code })) as PlaygroundDiagnostic[] | null;
  }

  /** Completion at `pos` of `code`. */
  async complete(code: string, pos: number, explicit: boolean): Promise<CompletionAnswer | null> {
    void this.ask({ method: "update", code });
    return (await this.ask({ method: "complete", context: { pos, explicit } })) as CompletionAnswer | null;
  }

  /** Hover information at `pos` of `code`. */
  async hover(code: string, pos: number): Promise<HoverAnswer | null> {
    void this.ask({ method: "update", code });
    return (await this.ask({ method: "hover", pos })) as HoverAnswer | null;
  }

  /** The editor's extensions: completion from the language service, and hover types. */
  extensions(): Extension {
    const source: CompletionSource = async (context: CompletionContext): Promise<CompletionResult | null> => {
      const answer = await this.complete(context.state.doc.toString(), context.pos, context.explicit);
      if (answer === null || context.aborted) return null;
      return { from: answer.from, options: [...answer.options], validFor: /^\w*$/ };
    };
    return [
      EditorState.languageData.of(() => [{ autocomplete: source }]),
      hoverTooltip(async (view: EditorView, pos: number) => {
        const info = await this.hover(view.state.doc.toString(), pos);
        if (info === null) return null;
        return { pos: info.start, end: info.end, above: true, create: () => ({ dom: hoverDom(info) }) };
      }),
    ];
  }
}

function hoverDom(info: HoverAnswer): HTMLElement {
  const dom = document.createElement("div");
  dom.className = "cm-type-hover";
  const signature = document.createElement("code");
  signature.className = "cm-type-signature";
  signature.textContent = info.signature;
  dom.append(signature);
  if (info.documentation !== "") {
    const doc = document.createElement("div");
    doc.className = "cm-type-doc";
    // The first paragraph: a hover is a reminder, the docs are a click away.
    doc.textContent = info.documentation.split("\n\n")[0]!;
    dom.append(doc);
  }
  return dom;
}
