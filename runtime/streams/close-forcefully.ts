"use structured";
/**
 * `closeForcefully`: {@link acloseForcefully} for a resource abandoned after another error (a
 * failed TLS handshake, say), where what the close raises is dropped: the error that made the
 * caller abandon the resource is the one to report. Internal.
 */
import { acloseForcefully } from "./aclose-forcefully";
import type { AsyncResource } from "./types";

/**
 * Closes `resource` at once (its `aclose()` inside an already-cancelled scope) and ignores what
 * the close raises. A checkpoint only if the resource's `aclose()` is; never raises.
 */
export async function closeForcefully(resource: AsyncResource): Promise<void> {
  try {
    await acloseForcefully(resource);
  } catch {
    // Abandoned after another error, which is the one to report.
  }
}
