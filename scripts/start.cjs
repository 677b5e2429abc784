#!/usr/bin/env node
// `npm start`: builds the playground (playground/, with Vite) when its build is missing or older
// than its sources, serves it on localhost and prints the URL. Ctrl+C stops the server.
//
//   npm start                        serves the playground on port 5173 (or the next free one)
//   npm start -- --port 8080         on another port (or PORT=8080 npm start)
//   npm run example                  runs examples/task-group-timeout.ts in Node instead
//   npm run example -- examples/x.ts runs another example (so does `npm start -- examples/x.ts`)
//
// Examples that start with "use structured" are compiled with the built Babel plugin into
// .tmp/run/ first (scripts/structured-node.cjs), since tsx cannot apply the transformer.
// Examples import "anyio-ts" by name. Node resolves that name from inside this repository to
// dist/ through the package's own "exports" (package self-reference), so no link or install is
// needed. tsx is pointed at tsconfig.build.json, whose empty `paths` keep it from mapping the
// name back to the TypeScript sources.
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");

// --- The playground --------------------------------------------------------------------------------

const DEFAULT_PORT = 5173;
/** How many ports after the asked-for one to try when it is taken. */
const PORT_TRIES = 10;

async function startPlayground(port, portGiven) {
  const { buildPlayground, isBuildStale } = require("../playground/build.cjs");
  const { serve } = require("../playground/serve.cjs");
  const dist = path.join(root, "playground", "dist");
  if (isBuildStale(dist)) {
    console.log("> building the playground (vite build, playground/vite.config.mts)");
    try {
      buildPlayground(dist, { stdio: "inherit" });
    } catch (error) {
      console.error(error.message);
      process.exit(1);
    }
  }
  let served;
  for (let attempt = 0; served === undefined; attempt++) {
    try {
      served = await serve(dist, { port: port + attempt });
    } catch (error) {
      // A port given explicitly is a wish: report it taken rather than pick another.
      if (error.code !== "EADDRINUSE" || portGiven || attempt + 1 >= PORT_TRIES) {
        console.error(`Cannot serve the playground on port ${port + attempt}: ${error.message}`);
        process.exit(1);
      }
    }
  }
  console.log(`\n  anyio-ts playground: ${served.url}\n`);
  console.log("  Open it in a browser; it keeps working offline once loaded. Ctrl+C stops the server.");
  const stop = () => served.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

// --- The example runner (Node) ---------------------------------------------------------------------

const { ensureBuild, isStructured, compileStructured } = require("./structured-node.cjs");

function runOrExit(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: "inherit",
    shell: process.platform === "win32",
    ...options,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function runExample(example = path.join("examples", "task-group-timeout.ts")) {
  if (!fs.existsSync(path.resolve(root, example))) {
    console.error(`No such example: ${example}`);
    process.exit(1);
  }
  ensureBuild();
  if (isStructured(fs.readFileSync(path.resolve(root, example), "utf8"))) {
    // tsx cannot apply the transformer: compile the example with the Babel plugin, then run it.
    const compiled = compileStructured(example);
    console.log(`> running ${example} (structured code, compiled to ${path.relative(root, compiled)})\n`);
    runOrExit(process.execPath, ["--enable-source-maps", compiled]);
    return;
  }
  console.log(`> running ${example}\n`);
  runOrExit(process.execPath, ["--import", "tsx", example], {
    env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.build.json") },
  });
}

// --- Command line ------------------------------------------------------------------------------------

function main(args) {
  const exampleFlag = args.indexOf("--example");
  if (exampleFlag >= 0) return runExample(args[exampleFlag + 1]);
  const file = args.find((arg) => /\.[cm]?tsx?$/.test(arg));
  if (file !== undefined) return runExample(file); // `npm start -- examples/x.ts`, as before the playground
  const portFlag = args.indexOf("--port");
  const given = portFlag >= 0 ? args[portFlag + 1] : process.env.PORT;
  const port = given === undefined ? DEFAULT_PORT : Number(given);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`Expected \`--port\` to be an integer from 0 to 65535, got \`${given}\``);
    process.exit(1);
  }
  return startPlayground(port, given !== undefined);
}

main(process.argv.slice(2));
