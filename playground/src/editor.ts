/**
 * The two code panes: the source editor (CodeMirror 6 with TypeScript highlighting, the
 * transformer's diagnostics underlined and in the gutter) and the read-only rewritten output.
 */
import { basicSetup, minimalSetup } from "codemirror";
import { javascript } from "@codemirror/lang-javascript";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorState, type Extension, type StateEffect } from "@codemirror/state";
import { EditorView, lineNumbers } from "@codemirror/view";
import type { PlaygroundDiagnostic } from "./protocol";
import { editorTheme, themeCompartment, type Theme } from "./theme";
import { hideablePlumbing, linkedLines, setLinkedLines, setPlumbingHidden } from "./linked-lines";

/** Called with the (1-based) line of a pane's cursor whenever the cursor moves. */
export type OnCursorLine = (line: number) => void;

function cursorListener(onCursorLine: OnCursorLine) {
  return EditorView.updateListener.of((update) => {
    if (!update.selectionSet) return;
    const state = update.state;
    onCursorLine(state.doc.lineAt(state.selection.main.head).number);
  });
}

/** Highlights `lines` (1-based) of `view`, scrolling the first into view when it is out of sight. */
function showLinked(view: EditorView, lines: readonly number[]): void {
  const doc = view.state.doc;
  const first = lines.filter((n) => n >= 1 && n <= doc.lines).sort((a, b) => a - b)[0];
  const effects: StateEffect<unknown>[] = [setLinkedLines.of(lines)];
  if (first !== undefined) {
    const from = doc.line(first).from;
    const visible = view.visibleRanges.some((r) => from >= r.from && from <= r.to);
    if (!visible) effects.push(EditorView.scrollIntoView(from, { y: "center" }));
  }
  view.dispatch({ effects });
}
import { diagnosticCode } from "../../transformer/core/messages";

/** The source editor. */
export class SourceEditor {
  readonly view: EditorView;
  private readonly theme = themeCompartment();

  /** `onChange` is called with the whole text after every edit. */
  constructor(
    parent: HTMLElement,
    text: string,
    onChange: (text: string) => void,
    onCursorLine: OnCursorLine,
    theme: Theme,
    language: Extension,
  ) {
    this.view = new EditorView({
      parent,
      state: EditorState.create({
        doc: text,
        extensions: [
          basicSetup,
          javascript({ typescript: true }),
          lintGutter(),
          EditorView.lineWrapping,
          linkedLines(),
          cursorListener(onCursorLine),
          language,
          this.theme.of(editorTheme(theme)),
          EditorView.contentAttributes.of({ "aria-label": "Program source (TypeScript)" }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  /** Replaces the whole program (an example, a share link). */
  set text(text: string) {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
  }

  /** Shows `diagnostics` (offsets into the current text) as underlines and gutter markers. */
  showDiagnostics(diagnostics: readonly PlaygroundDiagnostic[]): void {
    const length = this.view.state.doc.length;
    const list: Diagnostic[] = diagnostics.map((d) => ({
      from: Math.min(d.from, length),
      to: Math.min(Math.max(d.to, d.from), length),
      severity: d.severity,
      source:
        d.code !== 0 ? codeLabel(d.code) + (d.kind === "type" ? " (type error, does not stop Run)" : "") : undefined,
      message: d.message,
    }));
    this.view.dispatch(setDiagnostics(this.view.state, list));
  }

  /** Switches the pane's colours. */
  setTheme(theme: Theme): void {
    this.view.dispatch({ effects: this.theme.reconfigure(editorTheme(theme)) });
  }

  /** Highlights `lines` (1-based), the ones the cursor's line in the other pane maps to. */
  showLinked(lines: readonly number[]): void {
    showLinked(this.view, lines);
  }

  /** Puts the cursor at a 1-based `line` and `column` (clamped to the text) and scrolls it into view. */
  revealPosition(line: number, column: number): void {
    const doc = this.view.state.doc;
    const at = doc.line(Math.min(Math.max(line, 1), doc.lines));
    this.reveal(at.from + Math.min(Math.max(column - 1, 0), at.length));
  }

  /** Puts the cursor at `offset` and scrolls it into view. */
  reveal(offset: number): void {
    const at = Math.min(offset, this.view.state.doc.length);
    this.view.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: "center" }) });
    this.view.focus();
  }
}

/**
 * How a diagnostic's code is shown: the transformer's as `TS99102`, spelled as by every other front
 * end (and `tsc`); TypeScript's syntax errors as `TS1005`.
 */
export function codeLabel(code: number): string {
  return diagnosticCode(code);
}

/** The read-only pane with the rewritten program. */
export class OutputView {
  readonly view: EditorView;
  private readonly theme = themeCompartment();

  constructor(parent: HTMLElement, onCursorLine: OnCursorLine, theme: Theme) {
    this.view = new EditorView({
      parent,
      state: EditorState.create({
        doc: "",
        extensions: [
          minimalSetup,
          lineNumbers(),
          javascript(),
          EditorView.lineWrapping,
          linkedLines(),
          hideablePlumbing(),
          cursorListener(onCursorLine),
          this.theme.of(editorTheme(theme)),
          EditorState.readOnly.of(true),
          EditorView.editable.of(false),
          EditorView.contentAttributes.of({ "aria-label": "Rewritten output (JavaScript)" }),
        ],
      }),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  /** Switches the pane's colours. */
  setTheme(theme: Theme): void {
    this.view.dispatch({ effects: this.theme.reconfigure(editorTheme(theme)) });
  }

  /** Highlights `lines` (1-based), the ones the cursor's line in the program maps to. */
  showLinked(lines: readonly number[]): void {
    showLinked(this.view, lines);
  }

  /** Hides (or shows again) the hook plumbing, so the shape of the program shows. */
  hidePlumbing(hidden: boolean): void {
    this.view.dispatch({ effects: setPlumbingHidden.of(hidden) });
  }

  set text(text: string) {
    if (text === this.text) return;
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
  }
}
