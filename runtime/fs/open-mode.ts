/**
 * File modes as Python spells them ("r", "w+b", "ab", ...) and what they mean for Node. Internal,
 * apart from the two mode types.
 */
import { describeValue } from "../core/validate";

/** The binary modes: `r` must exist, `w` truncates, `a` appends, `x` creates (EEXIST if it exists), `+` adds the other direction. */
export type BinaryMode = "rb" | "wb" | "ab" | "xb" | "r+b" | "w+b" | "a+b" | "x+b" | "rb+" | "wb+" | "ab+" | "xb+";
/** The text modes (as the binary ones, without `b`; `t` may be written). */
export type TextMode =
  "r" | "w" | "a" | "x" | "r+" | "w+" | "a+" | "x+" | "rt" | "wt" | "at" | "xt" | "r+t" | "w+t" | "a+t" | "x+t";

const BINARY_MODES: readonly string[] = [
  "rb",
  "wb",
  "ab",
  "xb",
  "r+b",
  "w+b",
  "a+b",
  "x+b",
  "rb+",
  "wb+",
  "ab+",
  "xb+",
];
const TEXT_MODES: readonly string[] = [
  "r",
  "w",
  "a",
  "x",
  "r+",
  "w+",
  "a+",
  "x+",
  "rt",
  "wt",
  "at",
  "xt",
  "r+t",
  "w+t",
  "a+t",
  "x+t",
];

/** What a mode says. */
export interface ParsedMode {
  readonly binary: boolean;
  readonly append: boolean;
  /** Node's `flags` for `fs.open`. */
  readonly flags: string;
}

/**
 * Parses `mode`.
 * @throws TypeError if it is not a string; RangeError if it is not one of the modes.
 */
export function parseMode(mode: unknown): ParsedMode {
  if (typeof mode !== "string")
    throw new TypeError(`Expected \`mode\` to be a file mode such as "r" or "rb", got ${describeValue(mode)}`);
  const binary = BINARY_MODES.includes(mode);
  if (!binary && !TEXT_MODES.includes(mode)) {
    throw new RangeError(
      `Expected \`mode\` to be a file mode such as "r", "w+", "ab" or "x+b", got ${describeValue(mode)}`,
    );
  }
  const kind = mode[0] as "r" | "w" | "a" | "x";
  const plus = mode.includes("+");
  const flags = kind === "x" ? (plus ? "wx+" : "wx") : plus ? `${kind}+` : kind;
  return { binary, append: kind === "a", flags };
}
