/**
 * What every contender of bench/udp.ts counts with: deliveries, and a wait for the receiver to
 * catch up with the sender (plain code, shared by the node:dgram contenders and the compiled
 * anyio-ts bodies).
 */

/** Counts deliveries and wakes the sender once a target count was reached. */
export class Tally {
  received = 0;
  lost = 0;
  private target = 0;
  private wake: (() => void) | undefined;

  delivered(): void {
    this.received++;
    if (this.wake !== undefined && this.received + this.lost >= this.target) {
      const wake = this.wake;
      this.wake = undefined;
      wake();
    }
  }

  /** Whether the receiver has everything up to `target`; otherwise arms `wake`. */
  caughtUp(target: number, wake: () => void): boolean {
    this.target = target;
    if (this.received + this.lost >= target) return true;
    this.wake = wake;
    return false;
  }

  /** The wait for the target timed out: the rest of it was lost. */
  giveUp(): void {
    this.wake = undefined;
    this.lost = this.target - this.received;
  }
}
