/**
 * What a structured test reports when its body fails: the error itself, or, for the
 * `ExceptionGroup` a task group raises, the errors of the tasks that actually failed.
 *
 * A task group always raises a group, even for one failed child (AnyIO's rule), and its stack
 * points into the runtime's exit code. A test report wants the child's own error and stack:
 *
 *   ExceptionGroup[ ExceptionGroup[ Error("boom"), Cancelled ] ]  ─►  Error("boom")
 *   ExceptionGroup[ Error("a"), TypeError("b") ]                  ─►  AggregateError[a, b],
 *                                                                     stack at a's, cause = the group
 */
import { Cancelled, ExceptionGroup } from "../index";

/**
 * @internal The error a test should fail with for `error`: unchanged unless it is an
 * `ExceptionGroup`, whose failures (without the cancellations they caused) are brought to the top.
 */
export function readableFailure(error: unknown): unknown {
  if (!(error instanceof ExceptionGroup)) return error;
  const leaves: unknown[] = [];
  collectLeaves(error, leaves);
  const failures = leaves.filter((leaf) => !(leaf instanceof Cancelled));
  if (failures.length === 0) return error;
  if (failures.length === 1) return failures[0];
  const lines = failures.map((failure, i) => `  ${i + 1}. ${headline(failure)}`);
  const summary = new AggregateError(failures, `${failures.length} tasks of the test failed:\n${lines.join("\n")}`, {
    cause: error,
  });
  // Point the report (and Jest's code frame) at the first failure, not at the task group's exit.
  const first = failures[0];
  const frames = first instanceof Error && typeof first.stack === "string" ? framesOf(first.stack) : "";
  summary.stack = `AggregateError: ${summary.message}${frames}`;
  return summary;
}

function collectLeaves(error: unknown, into: unknown[]): void {
  if (error instanceof ExceptionGroup) {
    for (const member of error.exceptions) collectLeaves(member, into);
  } else {
    into.push(error);
  }
}

function headline(error: unknown): string {
  if (!(error instanceof Error)) return `thrown value: ${String(error)}`;
  const firstLine = error.message.split("\n", 1)[0];
  return `${error.name}: ${firstLine}`;
}

/** The `\n    at ...` lines of a stack, without its message (which may span several lines). */
function framesOf(stack: string): string {
  const at = stack.search(/\n\s+at /);
  return at === -1 ? "" : stack.slice(at);
}
