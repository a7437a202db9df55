import type { JobRoute } from "@converter/shared/queue";

type Waiter = { route: JobRoute; rank: number; grant: (granted: boolean) => void };

/**
 * The worker's MAX_CONCURRENT_JOBS, shared by the BullMQ workers of every
 * route it consumes (ADR 0016): a slot is taken before a job is claimed
 * from Redis, so the process never runs more jobs than its setting, however
 * many queues it reads. A route may also be closed for a while (`mayTake`):
 * an NVENC route while every session is in use, `gpu-preferred` while a
 * GPU worker has a free slot. Waiting routes get a freed slot in rank
 * order, the worker's own capabilities first.
 */
export class JobSlots {
  private used = 0;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly capacity: number,
    private readonly ranks: readonly JobRoute[],
    private readonly mayTake: (route: JobRoute) => boolean = () => true,
  ) {}

  get inUse(): number {
    return this.used;
  }

  /** A slot now, or false (the caller waits with acquire()). */
  tryAcquire(route: JobRoute): boolean {
    if (this.waiters.length > 0 || !this.open(route)) return false;
    this.used += 1;
    return true;
  }

  /** Resolves true once a slot is this route's, false when `signal` aborts first. */
  acquire(route: JobRoute, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = { route, rank: this.rankOf(route), grant: resolve };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      waiter.grant = (granted) => {
        signal.removeEventListener("abort", onAbort);
        resolve(granted);
      };
      this.waiters.push(waiter);
      this.waiters.sort((a, b) => a.rank - b.rank);
      this.recheck();
    });
  }

  release(): void {
    this.used = Math.max(0, this.used - 1);
    this.recheck();
  }

  /** Grants free slots to waiting routes that may take a job now; also run on a timer (see start). */
  recheck(): void {
    for (const waiter of [...this.waiters]) {
      if (this.used >= this.capacity) return;
      if (!this.mayTake(waiter.route)) continue;
      this.waiters = this.waiters.filter((w) => w !== waiter);
      this.used += 1;
      waiter.grant(true);
    }
  }

  /** Re-checks every intervalMs: `mayTake` may change without a slot being released. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => this.recheck(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private open(route: JobRoute): boolean {
    return this.used < this.capacity && this.mayTake(route);
  }

  private rankOf(route: JobRoute): number {
    const rank = this.ranks.indexOf(route);
    return rank < 0 ? this.ranks.length : rank;
  }
}
