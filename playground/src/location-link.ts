/**
 * Links to the program's lines: text that names a position of the program as mapped stack
 * frames do (`playground.ts:12:5`) becomes a button that puts the editor's cursor there.
 */
import { SOURCE_FILE } from "./source-map";

/** Jumps to a 1-based line and column of the program. */
export type OnLocation = (line: number, column: number) => void;

const POSITION = new RegExp(`${SOURCE_FILE.replace(".", "\\.")}:(\\d+):(\\d+)`, "g");

/** A button that jumps to `line:column`, labelled `label`. */
export function locationButton(label: string, line: number, column: number, onLocation: OnLocation): HTMLElement {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "loc";
  button.title = `Show line ${line} in the editor`;
  button.dataset.line = String(line);
  button.dataset.column = String(column);
  button.textContent = label;
  button.addEventListener("click", () => onLocation(line, column));
  return button;
}

/** `text` as nodes, each program position in it a {@link locationButton}. */
export function locationLinks(text: string, onLocation: OnLocation): Node[] {
  const nodes: Node[] = [];
  let last = 0;
  for (const match of text.matchAll(POSITION)) {
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    nodes.push(locationButton(match[0], Number(match[1]), Number(match[2]), onLocation));
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}
