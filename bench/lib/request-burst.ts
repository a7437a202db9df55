import http from "node:http";
import { cpuSeconds } from "./process-cpu.js";

export type BurstResult = {
  /** Requests per second over the whole burst, first request sent to last answer read. */
  requestsPerSecond: number;
  /** Latency of every request, in the order they were sent, in ms. */
  latenciesMs: number[];
  /** How many answered each status. */
  statuses: Record<number, number>;
  seconds: number;
};

/**
 * Sends `count` requests over `concurrency` keep-alive connections, each
 * connection sending its next request as soon as the previous one is
 * answered (as wrk does), and times each one. Exact in count, which wrk is
 * not: a burst that must meet a queue limit needs exactly its 1,100 requests.
 */
export async function burst(
  url: string,
  count: number,
  concurrency: number,
  body: (n: number) => unknown,
): Promise<BurstResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const latenciesMs: number[] = new Array(count);
  const statuses: Record<number, number> = {};
  let next = 0;
  const one = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const payload = JSON.stringify(body(n));
      const t0 = performance.now();
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        },
        (response) => {
          response.resume();
          response.once("end", () => {
            latenciesMs[n] = performance.now() - t0;
            statuses[response.statusCode ?? 0] = (statuses[response.statusCode ?? 0] ?? 0) + 1;
            resolve();
          });
        },
      );
      request.once("error", reject);
      request.end(payload);
    });
  const loop = async () => {
    while (next < count) await one(next++);
  };
  const t0 = performance.now();
  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { requestsPerSecond: count / seconds, latenciesMs, statuses, seconds };
}

export type TimedBurst = BurstResult & {
  /** The server's CPU per request over the burst (/proc), steadier than the rates. */
  serverCpuMs: number;
  /** The load generator's (this process's): it shares the cores with the server. */
  clientCpuMs: number;
};

/** A burst (as `burst`), with the server's and this process's CPU per request over it. */
export async function timedBurst(
  url: string,
  serverPid: number,
  count: number,
  concurrency: number,
  body: (n: number) => unknown,
): Promise<TimedBurst> {
  const server = cpuSeconds(serverPid).self;
  const client = cpuSeconds("self").self;
  const result = await burst(url, count, concurrency, body);
  return {
    ...result,
    serverCpuMs: ((cpuSeconds(serverPid).self - server) * 1000) / count,
    clientCpuMs: ((cpuSeconds("self").self - client) * 1000) / count,
  };
}
