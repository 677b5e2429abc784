"use structured";
/**
 * `closeForcefully`: closing a resource without waiting for anything, for code that abandons it
 * after another error (a failed TLS handshake, say). Internal.
 */
import { CancelScope } from "../core/cancel-scope";
import type { AsyncResource } from "./types";

/**
 * Closes `resource` inside an already-cancelled scope, so that an `aclose()` which would wait
 * (a TLS closing handshake) closes at once instead; what the close raises is ignored, since the
 * error that made the caller abandon the resource is the one to report. This is a checkpoint
 * only if the resource's `aclose()` is, and it never raises `Cancelled` for its own scope.
 */
export async function closeForcefully(resource: AsyncResource): Promise<void> {
  const scope = new CancelScope();
  scope.cancel();
  try {
    await scope.run(() => resource.aclose());
  } catch {
    // Abandoned after another error, which is the one to report.
  }
}
