/**
 * The state both front ends' rewriters carry while they walk a file: whether the code being
 * visited is structured, and which structured async function (if any) owns it. The AST work
 * differs per front end; these rules do not.
 */

/** What the visited code is: structured, opted out with "use unstructured", or neither. */
export type Mode = "structured" | "unstructured" | "none";

/** The structured async function whose body is being visited (undefined across function boundaries). */
export interface FunctionState {
  readonly generator: boolean;
  /** Never suspends (no `await`, `for await`, `using` or `return g()`): compiled without an invocation ctx. */
  readonly leaf: boolean;
  /** How many cancel-scope / task-group `using` blocks enclose the visited node. */
  scopeDepth: number;
}

/** The visitor's position: the current mode and function, saved and restored at each boundary. */
export abstract class RewriteState {
  protected mode: Mode;
  protected fn: FunctionState | undefined;
  // The names the rewrite introduces, chosen so they collide with nothing the file mentions.
  protected readonly rtName: string;
  protected readonly ctxName: string;
  protected readonly blockName: string;
  protected readonly errorName: string;

  /**
   * @param text - the file's source text.
   * @param included - whether the file is structured as a whole (the `include` option).
   */
  protected constructor(text: string, included: boolean) {
    this.mode = included ? "structured" : "none";
    this.rtName = freeName(text, "__rt");
    this.ctxName = freeName(text, "$c");
    this.blockName = freeName(text, "$u");
    this.errorName = freeName(text, "$e");
  }

  /** Runs `body` with `fn` and `mode` as the visitor's state, then restores the previous state. */
  protected across<R>(fn: FunctionState | undefined, body: () => R, mode: Mode = this.mode): R {
    const savedFn = this.fn;
    const savedMode = this.mode;
    this.fn = fn;
    this.mode = mode;
    try {
      return body();
    } finally {
      this.fn = savedFn;
      this.mode = savedMode;
    }
  }
}

/** `base`, or `base_1`, `base_2`... whichever identifier `text` does not mention. */
export function freeName(text: string, base: string): string {
  const escaped = base.replace(/\$/g, "\\$");
  for (let i = 0; ; i++) {
    const name = i === 0 ? base : `${base}_${i}`;
    const pattern = new RegExp(`(?<![\\w$])${i === 0 ? escaped : `${escaped}_${i}`}(?![\\w$])`);
    if (!pattern.test(text)) return name;
  }
}
