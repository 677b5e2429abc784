/**
 * `acloseForcefully()`: close a resource without the graceful part of its close (AnyIO's
 * `aclose_forcefully`).
 */
import { CancelScope } from "../core/cancel-scope";
import { ASYNC_RESOURCE, checkShape } from "./stream-helpers";
import type { AsyncResource } from "./types";

/**
 * Closes `resource` by calling its `aclose()` inside a cancel scope that is already cancelled:
 * a close that would wait for something (flushing data to a peer, a TLS closing handshake) skips
 * the wait and releases the resource at once. The scope swallows its own cancellation, so this
 * resolves normally once the resource is closed. It is a checkpoint only if the resource's
 * `aclose()` is one (and then never raises `Cancelled`).
 *
 * @example
 * ```ts
 * try {
 *   await handshake(stream);
 * } catch (error) {
 *   await acloseForcefully(stream); // do not wait for a peer that misbehaved
 *   throw error;
 * }
 * ```
 * @throws TypeError if `resource` is not an object with `aclose()`.
 * @throws Error whatever the resource's `aclose()` throws other than the cancellation.
 */
export function acloseForcefully(resource: AsyncResource): Promise<void> {
  try {
    checkShape("resource", resource, ASYNC_RESOURCE);
  } catch (error) {
    return Promise.reject(error);
  }
  return new CancelScope().run((scope) => {
    scope.cancel();
    return resource.aclose();
  });
}
