import type { JobRoute } from "@converter/shared/queue";
import { type Job, type Processor, Worker, type WorkerOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { JobSlots } from "./job-slots.js";

type RedisClient = Parameters<Worker["moveToActive"]>[0];

/**
 * A BullMQ worker for one route that claims a job only with a slot of the
 * process's JobSlots (ADR 0016). BullMQ has no worker that reads several
 * queues; one Worker per route, each asking the shared slots before it
 * moves a job to active, keeps the process at MAX_CONCURRENT_JOBS and lets
 * a route step back without holding anything in Redis.
 *
 * It relies on two of BullMQ's extension points: `moveToActive` (every
 * claim of a job goes through it once fetch-next is off) and `processJob`,
 * whose fetch-next callback is turned off here, because fetch-next claims
 * the next job inside BullMQ's completion script, past the slots.
 */
export class GatedWorker<D = unknown, R = unknown> extends Worker<D, R> {
  private readonly closingSignal = new AbortController();

  constructor(
    name: string,
    processor: Processor<D, R>,
    options: WorkerOptions & { connection: Redis },
    readonly route: JobRoute,
    private readonly slots: JobSlots,
  ) {
    super(name, processor, { ...options, autorun: false });
    this.commands = options.connection;
  }

  /** The command connection this worker was given, for passing a wake-up on. */
  private readonly commands: Redis;

  protected override async moveToActive(client: RedisClient, token: string, name?: string): Promise<Job<D, R>> {
    if (!this.slots.tryAcquire(this.route)) {
      // The wake-up that brought this worker here may be the queue's only
      // one: pass it on, so a worker of another process that has a slot
      // (a GPU worker, say) takes the job meanwhile.
      const marker = this.keys.marker;
      if (marker) await this.commands.zadd(marker, 0, "0").catch(() => undefined);
      const granted = await this.slots.acquire(this.route, this.closingSignal.signal);
      // Closing: BullMQ's loop reads "no job" and ends.
      if (!granted) return undefined as unknown as Job<D, R>;
    }
    let job: Job<D, R> | undefined;
    try {
      job = await super.moveToActive(client, token, name);
    } catch (error) {
      this.slots.release();
      throw error;
    }
    if (!job) this.slots.release();
    return job as Job<D, R>;
  }

  override async processJob(job: Job<D, R>, token: string): Promise<Job<D, R> | undefined> {
    try {
      // Fetch-next is off, so BullMQ hands back no next job here.
      return (await super.processJob(job, token, () => false)) || undefined;
    } finally {
      this.slots.release();
    }
  }

  override close(force?: boolean): Promise<void> {
    this.closingSignal.abort();
    return super.close(force);
  }
}
