/**
 * The playground page: wires the editor, the compile worker, the run worker, the console, the
 * task view, the examples menu and share links together. Each of those lives in its own file;
 * this one only holds the page's state (the program, the front end, whether a run is going on).
 *
 * The page exposes its state on `<body>` as data attributes (`data-run`, `data-compiled`), which
 * the browser tests wait on.
 */
import { CompileClient } from "./compile-client";
import { ConsoleView } from "./console-view";
import { SourceEditor, OutputView, codeLabel } from "./editor";
import { examples } from "./examples";
import type { CompileResponse, FrontEnd, PlaygroundDiagnostic, RunEvent } from "./protocol";
import { RunClient } from "./run-client";
import { decodeShare, encodeShare } from "./share";
import { TaskView, formatMs } from "./task-view";
import { applyPageTheme, initialTheme, type Theme } from "./theme";
import { TypesClient } from "./types-client";

const FRONT_END_NAMES: Record<FrontEnd, string> = { typescript: "TypeScript", babel: "Babel" };
/** Quiet time after a keystroke before the program is compiled again. */
const COMPILE_DELAY = 120;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const examplesMenu = $<HTMLSelectElement>("examples");
const runButton = $<HTMLButtonElement>("run");
const stopButton = $<HTMLButtonElement>("stop");
const shareButton = $<HTMLButtonElement>("share");
const shareLink = $<HTMLInputElement>("share-link");
const statusLine = $("status");
const diagnosticsList = $<HTMLUListElement>("diagnostics");
const outputNote = $("output-note");
const editedBadge = $("edited");
const themeButton = $<HTMLButtonElement>("theme");
const hidePlumbing = $<HTMLInputElement>("hide-plumbing");
const downloadButton = $<HTMLButtonElement>("download");

let frontEnd: FrontEnd = "typescript";
let compileTimer: ReturnType<typeof setTimeout> | undefined;
let runStarted = 0;
/** The program the console and task panes show the run of; undefined when they show none. */
let shownRun: string | undefined;
/** The text of the example (or shared program) last loaded, to tell when it was edited. */
let loadedText = "";
let theme: Theme = initialTheme();
applyPageTheme(theme, false);

const consoleView = new ConsoleView($("console"), (line, column) => editor.revealPosition(line, column));
const taskView = new TaskView($("tasks"), (line, column) => editor.revealPosition(line, column));
const output = new OutputView($("output"), outputCursorMoved, theme);
const compiler = new CompileClient(showCompiled);
const runner = new RunClient({ event: showRunEvent, crashed: runCrashed });
const types = new TypesClient();
const editor = new SourceEditor($("editor"), "", edited, sourceCursorMoved, theme, types.extensions());
/** The diagnostics of the compile shown, and the type errors of the text they are for. */
let compileDiagnostics: readonly PlaygroundDiagnostic[] = [];
let typeDiagnostics: { source: string; list: readonly PlaygroundDiagnostic[] } = { source: "", list: [] };
/** `[outputLine, programLine]` pairs (0-based) of the compile shown in the Rewritten pane. */
let links: ReadonlyArray<readonly [number, number]> = [];
let sourceCursor = 1;

function setStatus(text: string): void {
  statusLine.textContent = text;
}

function setRunState(state: "idle" | "running" | "done" | "stopped"): void {
  document.body.dataset.run = state;
  stopButton.disabled = state !== "running";
}

// --- Editing ------------------------------------------------------------------------------------

/** After every edit: recompile, and say what the other panes show now that the text changed. */
function edited(): void {
  scheduleCompile();
  document.body.dataset.types = "pending"; // until the check of the new text answers
  markStale();
  const changed = editor.text !== loadedText;
  editedBadge.hidden = !changed;
  document.body.dataset.edited = String(changed);
}

/**
 * The console and the task view keep the last run until the next one, marked as the previous
 * program's once the text differs from what ran: output never passes for the current program's.
 */
function markStale(): void {
  const stale = shownRun !== undefined && shownRun !== editor.text;
  document.body.dataset.stale = String(stale);
}

// --- The two panes, linked through the source map ---------------------------------------------------

/** The program's cursor moved: highlight the output lines that come from its line. */
function sourceCursorMoved(line: number): void {
  sourceCursor = line;
  const lines = links.filter(([, source]) => source === line - 1).map(([out]) => out + 1);
  output.showLinked(lines);
  editor.showLinked([]);
  document.body.dataset.linked = `output:${lines.join(",")}`;
}

/** The output's cursor moved (a click): highlight the program lines its line comes from. */
function outputCursorMoved(line: number): void {
  const lines = links.filter(([out]) => out === line - 1).map(([, source]) => source + 1);
  editor.showLinked(lines);
  output.showLinked([]);
  document.body.dataset.linked = `source:${lines.join(",")}`;
}

function switchTheme(): void {
  theme = theme === "dark" ? "light" : "dark";
  applyPageTheme(theme, true);
  editor.setTheme(theme);
  output.setTheme(theme);
}

// --- Compiling ----------------------------------------------------------------------------------

function scheduleCompile(): void {
  clearTimeout(compileTimer);
  document.body.dataset.compiled = "pending";
  compileTimer = setTimeout(() => compiler.request(editor.text, frontEnd), COMPILE_DELAY);
}

function compileNow(): void {
  clearTimeout(compileTimer);
  document.body.dataset.compiled = "pending";
  compiler.request(editor.text, frontEnd);
}

function showCompiled(response: CompileResponse, source: string): void {
  // The text changed since (a compile is scheduled): this answer's offsets point elsewhere.
  if (source !== editor.text || response.frontEnd !== frontEnd) return;
  output.text = response.output;
  links = response.lineLinks;
  sourceCursorMoved(sourceCursor);
  compileDiagnostics = response.diagnostics;
  showDiagnostics();
  checkTypes(source);
  outputNote.textContent = `what the ${FRONT_END_NAMES[response.frontEnd]} front end emits`;
  const errors = response.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = response.diagnostics.length - errors;
  if (!runner.running) {
    setStatus(
      `Rewritten by ${FRONT_END_NAMES[response.frontEnd]} in ${formatMs(response.elapsed)}` +
        (errors + warnings > 0 ? `: ${plural(errors, "error")}, ${plural(warnings, "warning")}` : ""),
    );
  }
  document.body.dataset.compiled = errors > 0 ? "errors" : "ok";
}

/**
 * Asks the language service for the type errors of `source` (starting it on the first compile:
 * it loads megabytes, which must not hold up the page or the first rewrite).
 */
function checkTypes(source: string): void {
  types.start();
  document.body.dataset.types = "pending";
  void types.check(source).then((list) => {
    if (types.failed) document.body.dataset.types = "unavailable";
    if (list === null || source !== editor.text) return;
    typeDiagnostics = { source, list: list.map((d) => ({ ...d, kind: "type" as const })) };
    showDiagnostics();
    document.body.dataset.types = list.length > 0 ? "errors" : "ok";
  });
}

/** The compile's diagnostics and the type errors of the same text, underlined and listed. */
function showDiagnostics(): void {
  const typeErrors = typeDiagnostics.source === editor.text ? typeDiagnostics.list : [];
  const all = [...compileDiagnostics, ...typeErrors].sort((a, b) => a.from - b.from);
  editor.showDiagnostics(all);
  renderDiagnostics(all);
}

function renderDiagnostics(list: readonly PlaygroundDiagnostic[]): void {
  diagnosticsList.replaceChildren(
    ...list.map((d) => {
      const item = document.createElement("li");
      item.className = `diagnostic ${d.severity}`;
      const button = document.createElement("button");
      button.type = "button";
      button.title = "Show in the editor";
      button.textContent = `${d.line}:${d.column}`;
      button.addEventListener("click", () => editor.reveal(d.from));
      const what = document.createElement("span");
      what.className = "diagnostic-kind";
      what.textContent = `${d.kind === "type" ? "type error" : d.severity}${d.code !== 0 ? ` ${codeLabel(d.code)}` : ""}`;
      if (d.kind === "type") {
        item.classList.add("type");
        item.title = "A type error: the program still runs (types are erased)";
      }
      const message = document.createElement("span");
      message.className = "diagnostic-message";
      message.textContent = d.message;
      item.append(button, what, message);
      return item;
    }),
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// --- Running ------------------------------------------------------------------------------------

async function runProgram(): Promise<void> {
  const source = editor.text;
  const chosen = frontEnd;
  runButton.disabled = true;
  try {
    clearTimeout(compileTimer);
    const compiled = await compiler.resultFor(source, chosen);
    runner.stop();
    consoleView.clear();
    if (compiled.runnable === null) {
      // A refused run leaves nothing of the previous one on the page.
      taskView.clear();
      shownRun = undefined;
      markStale();
      setRunState("idle");
      const errors = compiled.diagnostics.filter((d) => d.severity === "error").length;
      consoleView.write(
        "system",
        `Not run: the program has ${plural(errors, "error")} (listed under it). Fix them and run again.`,
      );
      setStatus("Not run: fix the errors first");
      return;
    }
    taskView.reset();
    shownRun = source;
    markStale();
    runStarted = performance.now();
    setRunState("running");
    setStatus(`Running (compiled by ${FRONT_END_NAMES[chosen]})…`);
    runner.start({ code: compiled.runnable, runnableMap: compiled.runnableMap, outputMap: compiled.outputMap });
  } finally {
    runButton.disabled = false;
  }
}

function stopProgram(): void {
  if (!runner.stop()) return;
  const at = performance.now() - runStarted;
  taskView.finish(at);
  consoleView.write("system", `Stopped after ${formatMs(at)}: the run's worker was terminated.`, at);
  setRunState("stopped");
  setStatus("Stopped");
}

function showRunEvent(event: RunEvent): void {
  if (event.type === "console") {
    consoleView.write(event.level, event.text, event.time);
    return;
  }
  taskView.current.apply(event);
  if (event.type === "done") {
    taskView.finish();
    consoleView.write(
      "system",
      event.ok
        ? `The program ended after ${formatMs(event.time)}.`
        : `The program ended after ${formatMs(event.time)}, with an uncaught error.`,
      event.time,
    );
    setRunState("done");
    setStatus(event.ok ? `Finished in ${formatMs(event.time)}` : "Finished with an uncaught error");
  }
  taskView.update();
}

function runCrashed(message: string): void {
  taskView.finish(performance.now() - runStarted);
  consoleView.write("error", `The run's worker failed: ${message}`);
  setRunState("stopped");
  setStatus("The run failed to start");
}

// --- Examples, front ends, sharing ----------------------------------------------------------------

const SHARED = "shared";

function fillExamples(): void {
  examplesMenu.replaceChildren(
    ...examples.map((example) => {
      const option = document.createElement("option");
      option.value = example.id;
      option.textContent = example.title;
      return option;
    }),
  );
}

function showSharedOption(): void {
  if (examplesMenu.querySelector(`option[value="${SHARED}"]`) === null) {
    const option = document.createElement("option");
    option.value = SHARED;
    option.textContent = "(program from a share link)";
    examplesMenu.prepend(option);
  }
  examplesMenu.value = SHARED;
}

function loadExample(id: string): void {
  const example = examples.find((e) => e.id === id);
  if (example === undefined) return;
  examplesMenu.querySelector(`option[value="${SHARED}"]`)?.remove();
  examplesMenu.value = id;
  if (location.hash !== "") history.replaceState(null, "", location.pathname + location.search);
  shareLink.hidden = true;
  loadedText = example.code;
  editor.text = example.code;
  compileNow();
}

function setFrontEnd(next: FrontEnd): void {
  frontEnd = next;
  const radio = document.querySelector<HTMLInputElement>(`input[name="front-end"][value="${next}"]`);
  if (radio !== null) radio.checked = true;
}

/** Loads the program of the page's hash; false when the hash holds none. */
async function loadShared(): Promise<boolean> {
  try {
    const shared = await decodeShare(location.hash);
    if (shared === undefined) return false;
    setFrontEnd(shared.frontEnd);
    loadedText = shared.code;
    editor.text = shared.code;
    showSharedOption();
    compileNow();
    return true;
  } catch (error) {
    consoleView.write("system", error instanceof Error ? error.message : String(error));
    return false;
  }
}

async function share(): Promise<void> {
  const hash = await encodeShare({ code: editor.text, frontEnd });
  history.replaceState(null, "", hash);
  showSharedOption();
  shareLink.value = location.href;
  shareLink.hidden = false;
  shareLink.select();
  try {
    await navigator.clipboard.writeText(location.href);
    setStatus(`Link copied (${location.href.length} characters)`);
  } catch {
    setStatus("The link is in the address bar");
  }
}

/** Downloads the program as a project that builds and runs with `npm install` and `npm start`. */
async function downloadProject(): Promise<void> {
  // fflate and the project's files load only now: nothing of this weighs on the page's first load.
  const { projectFiles, projectZip } = await import("./project");
  const folder = "anyio-ts-program";
  const zip = await projectZip(projectFiles(editor.text, frontEnd), folder);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([zip as BlobPart], { type: "application/zip" }));
  link.download = `${folder}.zip`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  setStatus(`Downloaded ${folder}.zip: unzip it, then npm install and npm start`);
}

// --- Start ----------------------------------------------------------------------------------------

fillExamples();
setRunState("idle");
examplesMenu.addEventListener("change", () => loadExample(examplesMenu.value));
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="front-end"]')) {
  radio.addEventListener("change", () => {
    if (!radio.checked) return;
    frontEnd = radio.value as FrontEnd;
    setStatus(`Loading the ${FRONT_END_NAMES[frontEnd]} front end…`);
    compileNow();
  });
}
runButton.addEventListener("click", () => void runProgram());
stopButton.addEventListener("click", stopProgram);
shareButton.addEventListener("click", () => void share());
themeButton.addEventListener("click", switchTheme);
downloadButton.addEventListener("click", () => void downloadProject());
hidePlumbing.addEventListener("change", () => output.hidePlumbing(hidePlumbing.checked));
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    void runProgram();
  }
});
window.addEventListener("hashchange", () => void loadShared());

if (!(await loadShared())) loadExample(examples[0]!.id);

// Offline once loaded: the service worker keeps every file of the build (see vite.config.ts).
if (import.meta.env.PROD && "serviceWorker" in navigator) {
  navigator.serviceWorker.register("./sw.js").catch((error: unknown) => {
    console.warn("The playground will not work offline: its service worker failed to register", error);
  });
}
