import { createReadStream } from "node:fs";
import { Worker } from "node:worker_threads";

/**
 * The hashing thread's code, as a string (`eval: true`): the same file runs
 * from dist/ and from source under the test runner, which cannot load a .ts
 * worker. One SHA-256 per upload id; every batch is acknowledged, so the
 * sender knows how many bytes wait for hashing.
 */
const SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const hashes = new Map();
parentPort.on("message", (m) => {
  if (m.kind === "data") {
    let hash = hashes.get(m.id);
    if (!hash) hashes.set(m.id, (hash = createHash("sha256")));
    hash.update(new Uint8Array(m.buffer, 0, m.length));
    // The memory goes back to be filled again: nothing waits in this thread for a garbage collection.
    parentPort.postMessage({ kind: "ack", id: m.id, length: m.length, buffer: m.buffer }, [m.buffer]);
  } else if (m.kind === "end") {
    const hash = hashes.get(m.id) ?? createHash("sha256");
    hashes.delete(m.id);
    parentPort.postMessage({ kind: "digest", id: m.id, hex: hash.digest("hex") });
  } else if (m.kind === "drop") {
    hashes.delete(m.id);
  }
});
`;

/** Bytes gathered before they are handed to the thread: few messages, each one copy. */
const BATCH_BYTES = 1024 * 1024;
/** Batch buffers kept for reuse as they come back from the thread; more are made when all are out. */
const POOL_SIZE = 16;
const pool: ArrayBuffer[] = [];

type Message =
  | { kind: "ack"; id: number; length: number; buffer: ArrayBuffer }
  | { kind: "digest"; id: number; hex: string }
  | { kind: "failed"; id: number; error: Error };

/** One upload's hash, computed off the event loop. */
export type ThreadedHash = {
  update(chunk: Buffer): void;
  /** Bytes handed over and not hashed yet: the writer pauses its source while this is high. */
  readonly pending: number;
  /** Called whenever the thread has caught up by a batch. */
  onProgress: (() => void) | undefined;
  digest(): Promise<string>;
  drop(): void;
};

let worker: Worker | undefined;
let idleTimer: NodeJS.Timeout | undefined;
/**
 * How long the thread outlives its last hash. An isolate and the batch pool
 * hold about 30 MB; an API that is not receiving uploads gives them back
 * (issue 12: idle RSS), while back-to-back uploads keep one thread.
 */
const IDLE_MS = 30_000;

/** The shared hashing thread, started on first use; it ends itself IDLE_MS after its last hash. */
export function hashThread(): Worker {
  clearTimeout(idleTimer);
  if (!worker) {
    const thread = new Worker(SOURCE, { eval: true });
    worker = thread;
    thread.unref();
    thread.on("message", (message: Message) => listeners.get(message.id)?.(message));
    // A thread that dies fails the hashes it held; the next upload starts a new one.
    thread.on("error", (error) => {
      if (worker === thread) worker = undefined;
      for (const [id, listener] of [...listeners]) listener({ kind: "failed", id, error });
    });
    thread.on("exit", () => {
      if (worker === thread) worker = undefined;
    });
  }
  return worker;
}

/** After the last hash in flight: end the thread and drop the pooled batches once nothing has come for IDLE_MS. */
function idleWhenDone(): void {
  if (listeners.size > 0) return;
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (listeners.size > 0) return;
    pool.length = 0;
    void worker?.terminate();
    worker = undefined;
  }, IDLE_MS);
  idleTimer.unref();
}
let nextId = 0;
const listeners = new Map<number, (message: Message) => void>();

/**
 * SHA-256 of a stream on a thread of its own, shared by every upload: the
 * event loop keeps receiving and writing while another core hashes, so an
 * upload is not held to one core's hashing speed. Started on first use and
 * unref'd, so it never keeps the process alive.
 */
export function threadedSha256(): ThreadedHash {
  const thread = hashThread();
  const id = nextId++;
  let batch: Buffer | undefined;
  let batchBytes = 0;
  let pending = 0;
  let settle: { resolve: (hex: string) => void; reject: (error: Error) => void } | undefined;
  let failure: Error | undefined;
  const hash: ThreadedHash = {
    get pending() {
      return pending + batchBytes;
    },
    onProgress: undefined,
    update(chunk) {
      // Copied into a pooled batch buffer; a chunk may straddle two batches.
      for (let at = 0; at < chunk.length; ) {
        batch ??= Buffer.from(pool.pop() ?? new ArrayBuffer(BATCH_BYTES));
        const copied = chunk.copy(batch, batchBytes, at);
        at += copied;
        batchBytes += copied;
        if (batchBytes === BATCH_BYTES) send();
      }
    },
    digest() {
      if (failure) return Promise.reject(failure);
      send();
      return new Promise((resolve, reject) => {
        settle = { resolve, reject };
        thread.postMessage({ kind: "end", id });
      });
    },
    drop() {
      listeners.delete(id);
      thread.postMessage({ kind: "drop", id });
      idleWhenDone();
    },
  };
  const send = () => {
    if (!batch || batchBytes === 0) return;
    // The batch's memory moves to the thread without a copy, and comes back with the ack.
    const buffer = batch.buffer as ArrayBuffer;
    pending += batchBytes;
    thread.postMessage({ kind: "data", id, buffer, length: batchBytes }, [buffer]);
    batch = undefined;
    batchBytes = 0;
  };
  listeners.set(id, (message) => {
    if (message.kind === "ack") {
      if (pool.length < POOL_SIZE) pool.push(message.buffer);
      pending -= message.length;
      hash.onProgress?.();
      return;
    }
    listeners.delete(id);
    idleWhenDone();
    if (message.kind === "digest") settle?.resolve(message.hex);
    else {
      failure = message.error;
      settle?.reject(message.error);
      hash.onProgress?.();
    }
  });
  return hash;
}

/** SHA-256 of a file already on disk (a finished resumable upload), on the hashing thread. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = threadedSha256();
  const stream = createReadStream(file, { highWaterMark: BATCH_BYTES });
  try {
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      while (hash.pending >= 8 * BATCH_BYTES) await new Promise<void>((resolve) => (hash.onProgress = resolve));
    }
  } catch (error) {
    hash.drop();
    throw error;
  }
  return hash.digest();
}
