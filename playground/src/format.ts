/**
 * Turns what a program logs into text, roughly as Node's console does: strings as they are at
 * the top level, quoted inside structures; errors with their name and message, error groups
 * with their members indented below; objects and arrays on one line, to a limited depth.
 */

const MAX_DEPTH = 3;
const MAX_ITEMS = 50;

/** The text `console.log(...args)` prints. */
export function formatArgs(args: readonly unknown[]): string {
  return args.map((arg) => (typeof arg === "string" ? arg : formatValue(arg))).join(" ");
}

/** One value as text; `depth` counts the structures around it. */
export function formatValue(value: unknown, depth = 0, seen: Set<unknown> = new Set()): string {
  switch (typeof value) {
    case "string":
      return depth === 0 ? value : JSON.stringify(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "boolean":
    case "undefined":
      return String(value);
    case "symbol":
      return value.toString();
    case "function":
      return /^class\b/.test(Function.prototype.toString.call(value))
        ? `[class ${value.name || "(anonymous)"}]`
        : `[Function: ${value.name || "(anonymous)"}]`;
  }
  if (value === null) return "null";
  if (value instanceof Error) return formatError(value, depth);
  if (seen.has(value)) return "[Circular]";
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? "[Array]" : "[Object]";
  seen.add(value);
  try {
    if (Array.isArray(value)) return `[ ${items(value, depth, seen).join(", ")} ]`.replace("[  ]", "[]");
    if (value instanceof Map) {
      const entries = [...value]
        .slice(0, MAX_ITEMS)
        .map(([k, v]) => `${formatValue(k, depth + 1, seen)} => ${formatValue(v, depth + 1, seen)}`);
      return `Map(${value.size}) { ${entries.join(", ")} }`;
    }
    if (value instanceof Set) return `Set(${value.size}) { ${items([...value], depth, seen).join(", ")} }`;
    if (value instanceof Promise) return "Promise { <pending or settled> }";
    const own =
      Object.prototype.toString !== (value as object).toString && typeof (value as object).toString === "function";
    const proto = Object.getPrototypeOf(value);
    // Objects with a toString of their own (TaskInfo, CancelScope, ...) describe themselves.
    if (own && proto !== Object.prototype && proto !== null) return String(value);
    const name = proto !== null && proto !== Object.prototype ? `${proto.constructor?.name ?? ""} ` : "";
    const entries = Object.entries(value as object)
      .slice(0, MAX_ITEMS)
      .map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${formatValue(v, depth + 1, seen)}`);
    return entries.length === 0 ? `${name}{}` : `${name}{ ${entries.join(", ")} }`;
  } finally {
    seen.delete(value);
  }
}

function items(list: readonly unknown[], depth: number, seen: Set<unknown>): string[] {
  const shown = list.slice(0, MAX_ITEMS).map((item) => formatValue(item, depth + 1, seen));
  if (list.length > MAX_ITEMS) shown.push(`... ${list.length - MAX_ITEMS} more`);
  return shown;
}

/** The stack lines to show under an error (the run worker's: the program's frames, mapped). */
export type FrameLines = (error: Error) => string[];

/**
 * An error as `Name: message`, then the lines `frames` gives for it (indented); the members of an
 * error group (ExceptionGroup, AggregateError) follow, one per line and indented, and so does a
 * cause, each with its own frames.
 */
export function formatError(error: unknown, depth = 0, frames: FrameLines = () => []): string {
  if (!(error instanceof Error)) return formatValue(error, depth + 1);
  const head = error.message ? `${error.name}: ${error.message}` : error.name;
  const lines = [head, ...frames(error).map((line) => `    ${line}`)];
  const members = (error as { exceptions?: unknown; errors?: unknown }).exceptions ?? (error as AggregateError).errors;
  if (Array.isArray(members) && depth < MAX_DEPTH + 2) {
    members.forEach((member, i) => {
      const text = formatError(member, depth + 1, frames).split("\n");
      lines.push(`  ${i + 1}. ${text[0]}`, ...text.slice(1).map((line) => `     ${line}`));
    });
  }
  if (error.cause !== undefined && depth < MAX_DEPTH + 2) {
    const text = formatError(error.cause, depth + 1, frames).split("\n");
    lines.push(`  cause: ${text[0]}`, ...text.slice(1).map((line) => `  ${line}`));
  }
  return lines.join("\n");
}
