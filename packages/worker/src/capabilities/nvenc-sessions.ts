/**
 * NVENC sessions on this worker (docs/adr/0017-gpu-pipeline.md). GeForce
 * cards and some drivers allow only a few encode sessions at once, across
 * every process on the machine; datacenter cards allow many. The cap is
 * NVENC_MAX_SESSIONS when set, lowered to what the driver really allowed
 * the first time it refused a session, so a worker learns its card's limit.
 */
export class NvencSessions {
  private inUse = 0;
  private learned: number | null = null;
  private readonly listeners = new Set<() => void>();

  /** `configured` 0 means no cap until the driver refuses a session. */
  constructor(private readonly configured: number) {}

  /** The cap in force; null when none is known yet. */
  get limit(): number | null {
    const configured = this.configured > 0 ? this.configured : null;
    if (configured === null) return this.learned;
    return this.learned === null ? configured : Math.min(configured, this.learned);
  }

  get used(): number {
    return this.inUse;
  }

  hasFree(): boolean {
    const limit = this.limit;
    return limit === null || this.inUse < limit;
  }

  /** Takes a session; the returned release is safe to call more than once. Undefined when none is free. */
  tryAcquire(): (() => void) | undefined {
    if (!this.hasFree()) return undefined;
    this.inUse += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse -= 1;
      for (const listener of this.listeners) listener();
    };
  }

  /**
   * The driver refused a session while `othersOfOurs` other encodes of this
   * worker held one: that many is what the card allows us. With none of
   * ours running the limit is taken by other processes, so nothing is learned.
   */
  refused(othersOfOurs: number): void {
    if (othersOfOurs < 1) return;
    this.learned = this.learned === null ? othersOfOurs : Math.min(this.learned, othersOfOurs);
  }

  /** Called whenever a session is released (the job slots re-check the NVENC queues). */
  onRelease(listener: () => void): void {
    this.listeners.add(listener);
  }
}

/**
 * ffmpeg's words when the driver has no encode session left:
 * `OpenEncodeSessionEx failed: out of memory (10)` on older drivers,
 * `incompatible client key (21)` on newer GeForce drivers.
 */
const SESSION_REFUSAL = /OpenEncodeSessionEx failed: (out of memory \(10\)|incompatible client key \(21\))/;

export function isNvencSessionRefusal(stderrTail: readonly string[]): boolean {
  return stderrTail.some((line) => SESSION_REFUSAL.test(line));
}
