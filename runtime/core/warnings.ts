/**
 * Warnings the runtime reports without throwing (Python's `warnings.warn`): a process warning
 * where the host has one (Node, Bun, Deno print it once and let tools listen for it), the
 * console elsewhere.
 */

/** Emits `message` as a warning of `type`. */
export function emitWarning(type: "ResourceWarning" | "RuntimeWarning", message: string): void {
  const host = (globalThis as { process?: { emitWarning?: (message: string, options: object) => void } }).process;
  if (typeof host?.emitWarning === "function") host.emitWarning(message, { type });
  else console.warn(`${type}: ${message}`);
}
