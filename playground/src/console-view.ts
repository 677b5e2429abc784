/**
 * The console pane: what the program printed, with the time it printed it, and the
 * playground's own notes on the run (started, ended, stopped, uncaught errors).
 */
import type { ConsoleLevel } from "./protocol";
import { locationLinks, type OnLocation } from "./location-link";
import { formatMs } from "./task-view";

/**
 * Appends console lines to a container, keeping the newest in view. Program positions in the
 * text (`playground.ts:12:5`, as mapped stack frames show them) become links to the line.
 */
export class ConsoleView {
  constructor(
    private readonly container: HTMLElement,
    private readonly onLocation: OnLocation,
  ) {
    container.classList.add("console");
    container.setAttribute("role", "log");
  }

  clear(): void {
    this.container.replaceChildren();
  }

  /** Adds one entry; `time` is milliseconds since the run started (omitted for notes before a run). */
  write(level: ConsoleLevel, text: string, time?: number): void {
    const line = document.createElement("div");
    line.className = `console-line ${level}`;
    if (time !== undefined) {
      const stamp = document.createElement("time");
      stamp.textContent = formatMs(time);
      line.append(stamp);
    }
    const body = document.createElement("span");
    body.className = "console-text";
    body.append(...locationLinks(text, this.onLocation));
    line.append(body);
    const atBottom = this.container.scrollTop + this.container.clientHeight >= this.container.scrollHeight - 4;
    this.container.append(line);
    if (atBottom) this.container.scrollTop = this.container.scrollHeight;
  }
}
