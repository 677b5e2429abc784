"use structured";
/**
 * `serveAll`: several listeners served side by side in one task group, the body of
 * `MultiListener.serve()`. Structured code, so that neither the group's block nor the tasks it
 * starts run inside the context carrier (a plain callback handed to the runtime would switch
 * AsyncLocalStorage on for the whole process), and so that a caller awaiting it from structured
 * code waits for the group to end instead of abandoning it when cancelled.
 */
import { createTaskGroup, type TaskGroup } from "../core/task-group";
import type { Listener, ListenerHandler } from "./types";

/**
 * Runs `listener.serve(handler, taskGroup)` for every listener in a task group of its own, until
 * one fails or the task is cancelled (the others are then cancelled). This is a checkpoint.
 */
export async function serveAll<T>(
  listeners: readonly Listener<T>[],
  handler: ListenerHandler<T>,
  taskGroup: TaskGroup | undefined,
): Promise<void> {
  await using tg = createTaskGroup();
  for (const listener of listeners) tg.startSoon(() => listener.serve(handler, taskGroup));
}
