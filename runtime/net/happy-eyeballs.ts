"use structured";
/**
 * Happy Eyeballs (RFC 8305): the order of connection attempts over the addresses of one name,
 * and their staggered race.
 *
 * Attempts start one after another: the next starts when `delay` has passed since the previous
 * one started, or as soon as the previous one failed, whichever comes first. The first attempt
 * that connects wins; the others in flight are cancelled (the host destroys their sockets), and
 * one that connects after the race was decided is disposed of at once.
 */
import { moveOnAfter } from "../core/cancel-scope";
import { ConnectionFailed, isCancelled } from "../core/errors";
import { ExceptionGroup } from "../core/exception-group";
import { createTaskGroup } from "../core/task-group";
import { Event } from "../sync/event";

/** An address to try, with its IP version. */
export interface Target {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * The order of attempts (RFC 8305 section 4): IPv6 first, then the families alternate, each in
 * resolver order, and what is left of the longer list follows. Duplicate addresses are dropped.
 */
export function orderTargets(targets: readonly Target[]): Target[] {
  const seen = new Set<string>();
  const v6: Target[] = [];
  const v4: Target[] = [];
  for (const target of targets) {
    if (seen.has(target.address)) continue;
    seen.add(target.address);
    (target.family === 6 ? v6 : v4).push(target);
  }
  const ordered: Target[] = [];
  for (let i = 0; i < Math.max(v6.length, v4.length); i++) {
    if (i < v6.length) ordered.push(v6[i]!);
    if (i < v4.length) ordered.push(v4[i]!);
  }
  return ordered;
}

/**
 * Races `attempt` over `targets` in order, staggered by `delay` ms, and returns the first
 * result. Every other result is passed to `dispose`.
 *
 * This is a checkpoint (the attempts are). connectTcp() calls it for two or more addresses and
 * connects to a single one itself, without a task group; one target works here too.
 *
 * @throws ConnectionFailed("All connection attempts failed") when every attempt failed: its
 *   `cause` is the one error, or `ExceptionGroup("multiple connection attempts failed", errors)`.
 */
export async function raceAttempts<T extends object>(
  targets: readonly Target[],
  delay: number,
  attempt: (target: Target) => Promise<T>,
  dispose: (value: T) => void,
): Promise<T> {
  let winner: T | undefined;
  const errors: unknown[] = [];
  try {
    await using tg = createTaskGroup();
    for (let i = 0; i < targets.length; i++) {
      const failed = new Event();
      const target = targets[i]!;
      tg.startSoon(async () => {
        let value: T;
        try {
          value = await attempt(target);
        } catch (error) {
          if (isCancelled(error)) throw error;
          errors.push(error);
          failed.set();
          return;
        }
        if (winner === undefined) {
          winner = value;
          tg.cancelScope.cancel();
        } else {
          dispose(value);
        }
      });
      if (i < targets.length - 1) {
        using _ = moveOnAfter(delay);
        await failed.wait();
      }
    }
  } catch (error) {
    // Cancelled from outside after an attempt won: nobody will receive the winner.
    if (winner !== undefined) dispose(winner);
    throw error;
  }
  if (winner !== undefined) return winner;
  const cause = errors.length === 1 ? errors[0] : new ExceptionGroup("multiple connection attempts failed", errors);
  throw new ConnectionFailed("All connection attempts failed", { cause });
}
