import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { type AddressInfo, connect, createServer } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, makeClip, probe } from "../support/media.js";
import { type NetHost, NetHosts, netHostsUnavailable } from "../support/net-hosts.js";
import { ffmpegPidsOfJob } from "../support/proc.js";
import type { ServiceProcess } from "../support/processes.js";
import { RedisServer } from "../support/redis-server.js";
import { Deployment, type Job, REDIS_URL } from "./harness.js";

// Workers on separate hosts (issue 14, docs/adr/0027-separate-hosts-in-tests.md):
// each worker runs in a network namespace of its own and reaches Redis only
// over a veth link to a bridge (tests/support/net-hosts.ts); the api, in the
// root namespace, uses the same private Redis at the bridge address. The
// hosts share the media root, as workers sharing a NAS do.

const unavailable = netHostsUnavailable();
if (unavailable) console.warn(`SKIPPED separate-hosts: ${unavailable}`);

const HOST_NAMES = ["host-a", "host-b"] as const;
/** A killed worker's job is taken over within about lock + stalled check (BullMQ, ADR 0009). */
const FAST_TAKEOVER = { JOB_LOCK_SECONDS: "4", STALLED_CHECK_SECONDS: "2" };
const TERMINAL = ["completed", "failed", "cancelled"];

let net: NetHosts | undefined;
let redis: RedisServer | undefined;
let deployment: Deployment;
/** The worker of each host, by worker name. */
const workers = new Map<string, { host: NetHost; process: ServiceProcess }>();

function d(): Deployment {
  return deployment;
}

function hostNamed(name: string): NetHost {
  const worker = workers.get(name);
  if (!worker) throw new Error(`no worker ${name}`);
  return worker.host;
}

async function startHostWorker(name: string, host: NetHost): Promise<ServiceProcess> {
  const process = await d().startWorker(
    { WORKER_NAME: name, SHUTDOWN_GRACE_SECONDS: "0", ...FAST_TAKEOVER },
    { commandPrefix: host.exec },
  );
  workers.set(name, { host, process });
  return process;
}

async function submit(body: Record<string, unknown>): Promise<Job> {
  // Real encodes that are still running when a test cancels or kills: a generated H.264 input would be copied (ADR 0022).
  const res = await d().convert({ stream_copy: "never", ...body });
  expect(res.status).toBe(202);
  return (await res.json()) as Job;
}

/** Waits until every job is terminal; fails with the ones that are not. */
async function settle(ids: string[], timeoutMs: number): Promise<Job[]> {
  return eventually(
    async () => {
      const jobs = await Promise.all(ids.map((id) => d().job(id)));
      return jobs.every((job) => TERMINAL.includes(job.status)) ? jobs : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `${ids.length} jobs to finish` },
  );
}

/** Waits until each of the given jobs runs with reported progress, on a host each; returns them by worker name. */
async function runningOnEveryHost(ids: string[]): Promise<Map<string, Job>> {
  return eventually(
    async () => {
      const jobs = await Promise.all(ids.map((id) => d().job(id)));
      const running = jobs.filter((job) => job.status === "in_progress" && job.progress > 0 && job.worker);
      const byWorker = new Map(running.map((job) => [job.worker as string, job]));
      return HOST_NAMES.every((name) => byWorker.has(name)) ? byWorker : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 100, what: `a job running with progress on each of ${HOST_NAMES.join(", ")}` },
  );
}

/** A TCP connect from the root namespace (this process): "connected" or the error code. */
function connectHere(address: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, address, () => {
      socket.destroy();
      resolve("connected");
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
  });
}

/** A TCP connect from a host: "connected" or the error code. */
function connectFrom(host: NetHost, address: string, port: number): string {
  const script = `require("net").connect(${port}, ${JSON.stringify(address)}, function () { console.log("connected"); this.destroy(); }).on("error", (e) => console.log(e.code)).setTimeout(3000, function () { console.log("ETIMEDOUT"); this.destroy(); });`;
  return (net as NetHosts).execOn(host, process.execPath, ["-e", script]).trim();
}

beforeAll(async () => {
  if (unavailable) return;
  net = NetHosts.create(HOST_NAMES.length);
  const password = randomBytes(12).toString("hex");
  // Protected mode stays on: it refuses non-loopback clients unless a password is set, as a real deployment would.
  redis = await RedisServer.start({ appendonly: false, bind: net.gateway, settings: ["--requirepass", password] });
  deployment = new Deployment({ REDIS_URL: redis.urlWithPassword(password) });
  const media = (name: string) => path.join(deployment.mediaRoot, "in", name);
  await Promise.all([
    makeClip(media("short.mkv"), { width: 640, height: 360, seconds: 3 }),
    makeClip(media("long.mkv"), { width: 640, height: 360, seconds: 12 }),
    // A keyframe every second, in MP4 (its frames on the frame rate's slots): 2 s segments can be cut.
    makeClip(media("segmented.mp4"), { width: 640, height: 360, seconds: 12, gop: 25 }),
  ]);
  await deployment.startApi({ CANCEL_WAIT_SECONDS: "10" });
  await Promise.all(HOST_NAMES.map((name, i) => startHostWorker(name, net?.hosts[i] as NetHost)));
}, 180_000);

afterAll(async () => {
  try {
    await Promise.all([...workers.values()].map(({ process }) => process.stop("SIGKILL")));
    await deployment?.destroy();
    await redis?.destroy();
  } finally {
    net?.destroy();
  }
});

describe.skipIf(unavailable !== null)("workers on separate hosts (network namespaces, shared media root)", () => {
  it("runs each worker in its own namespace, which reaches Redis only over the bridge", async () => {
    const hosts = net as NetHosts;
    for (const [name, { host, process }] of workers) {
      expect(process.alive, `${name} is running`).toBe(true);
      expect(hosts.hostOf(process.child.pid as number), `${name}'s namespace`).toBe(host);
      // `ip netns exec` exec()s in place: the pid the test signals is the worker's own.
      expect(readFileSync(`/proc/${process.child.pid}/cmdline`, "utf8")).toContain("worker/dist/main.js");
    }
    const host = hostNamed("host-a");
    expect(connectFrom(host, hosts.gateway, (redis as RedisServer).port)).toBe("connected");
    // A host's loopback is its own: what listens on 127.0.0.1 here (a probe listener, the
    // machine's Redis at REDIS_URL) cannot be reached from it.
    const listener = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    try {
      const port = (listener.address() as AddressInfo).port;
      expect(await connectHere("127.0.0.1", port)).toBe("connected");
      expect(connectFrom(host, "127.0.0.1", port)).toBe("ECONNREFUSED");
      expect(connectFrom(host, "127.0.0.1", Number(new URL(REDIS_URL).port || 6379))).toBe("ECONNREFUSED");
    } finally {
      listener.close();
    }
  });

  it("spreads jobs across the hosts, every one completed from the shared media root", async () => {
    const jobs = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) => submit({ input: "in/short.mkv", output: `spread/${n}.mp4` })),
    );
    const done = await settle(
      jobs.map((job) => job.job_id),
      180_000,
    );
    console.log(`SEPARATE-HOSTS spread: ${done.map((job) => `${job.output} on ${job.worker}`).join(", ")}`);
    for (const job of done) {
      expect(job, JSON.stringify(job.error)).toMatchObject({ status: "completed", error: null, attempts: 1 });
      const duration = Number((await probe(path.join(d().mediaRoot, job.output))).format.duration);
      expect(duration).toBeCloseTo(3, 0);
    }
    expect(new Set(done.map((job) => job.worker))).toEqual(new Set(HOST_NAMES));
  }, 240_000);

  it("delivers a cancel to the host running the job: that host's ffmpeg stops, the other host's runs on", async () => {
    const [first, second] = await Promise.all([
      submit({ input: "in/long.mkv", output: "cancel/1.mp4", preset: "hevc" }),
      submit({ input: "in/long.mkv", output: "cancel/2.mp4", preset: "hevc" }),
    ]);
    const byWorker = await runningOnEveryHost([first?.job_id as string, second?.job_id as string]);
    const hosts = net as NetHosts;
    // Cancel host-b's job first, then host-a's: each cancel must stop exactly one ffmpeg, on its host.
    for (const [name, other] of [
      ["host-b", "host-a"],
      ["host-a", undefined],
    ] as const) {
      const job = byWorker.get(name) as Job;
      const [pid, ...more] = ffmpegPidsOfJob(job.job_id);
      expect(more).toEqual([]);
      expect(hosts.hostOf(pid as number), `the ffmpeg of ${job.job_id} runs on ${name}`).toBe(hostNamed(name));
      const otherPids = other ? ffmpegPidsOfJob((byWorker.get(other) as Job).job_id) : [];

      const res = await d().request(`/jobs/${job.job_id}`, { method: "DELETE" });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "cancelled", worker: name, error: { code: "cancelled" } });
      expect(ffmpegPidsOfJob(job.job_id)).toEqual([]);
      expect(existsSync(path.join(d().mediaRoot, job.output))).toBe(false);
      if (other) {
        expect(otherPids).toHaveLength(1);
        expect(ffmpegPidsOfJob((byWorker.get(other) as Job).job_id), `${other}'s ffmpeg runs on`).toEqual(otherPids);
        expect(await d().job((byWorker.get(other) as Job).job_id)).toMatchObject({ status: "in_progress" });
      }
    }
    console.log(`SEPARATE-HOSTS cancel: host-b's job then host-a's job cancelled, each on its own host`);
    expect(d().partialFiles()).toEqual([]);
    for (const { process } of workers.values()) expect(process.alive).toBe(true);
  }, 180_000);

  it("loses nothing when a host's worker is killed mid-encode: the other host takes its job over", async () => {
    const jobs = await Promise.all([1, 2, 3].map((n) => submit({ input: "in/long.mkv", output: `kill/${n}.mp4` })));
    const ids = jobs.map((job) => job.job_id);
    const byWorker = await runningOnEveryHost(ids);
    const victim = byWorker.get("host-a") as Job;
    const hosts = net as NetHosts;
    const doomed = ffmpegPidsOfJob(victim.job_id);
    expect(doomed).toHaveLength(1);
    expect(hosts.hostOf(doomed[0] as number)).toBe(hostNamed("host-a"));

    const killedAt = Date.now();
    await workers.get("host-a")?.process.stop("SIGKILL");
    // Its ffmpeg dies with it (PR_SET_PDEATHSIG), namespace or not.
    await eventually(() => (doomed.every((pid) => hosts.hostOf(pid) === undefined) ? true : undefined), {
      timeoutMs: 5000,
      what: "the killed worker's ffmpeg to exit",
    });
    const done = await settle(ids, 300_000);
    const recoveredS = ((Date.now() - killedAt) / 1000).toFixed(1);
    console.log(
      `SEPARATE-HOSTS worker-sigkill: submitted ${done.length}, completed ${done.filter((j) => j.status === "completed").length}, ` +
        `lost 0, all done ${recoveredS} s after the kill; workers ${done.map((j) => `${j.worker}(${j.attempts})`).join(",")}`,
    );
    for (const job of done) {
      expect(job, JSON.stringify(job.error)).toMatchObject({ status: "completed", error: null });
      const duration = Number((await probe(path.join(d().mediaRoot, job.output))).format.duration);
      expect(duration).toBeCloseTo(12, 0);
    }
    expect(done.find((job) => job.job_id === victim.job_id)).toMatchObject({ worker: "host-b", attempts: 2 });
    expect(d().partialFiles()).toEqual([]);
  }, 420_000);

  it("runs a segmented job's children on several hosts at once, and joins them into one whole output", async () => {
    // The kill above took host-a's worker: a host comes back as an operator would bring it back.
    if (workers.get("host-a")?.process.alive !== true) await startHostWorker("host-a", hostNamed("host-a"));
    const job = await submit({ input: "in/segmented.mp4", output: "segmented/out.mp4", options: { segments: 2 } });
    type Child = { kind: string; status: string; worker: string | null };
    const children = (view: Job) => ((view.segments as { children?: Child[] } | null)?.children ?? []) as Child[];
    expect(children(job).filter((c) => c.kind === "video").length).toBeGreaterThanOrEqual(5);
    // Both hosts encode children of the one job at the same moment.
    const together = await eventually(
      async () => {
        const view = await d().job(job.job_id);
        const busy = new Set(children(view).flatMap((c) => (c.status === "in_progress" && c.worker ? [c.worker] : [])));
        return HOST_NAMES.every((name) => busy.has(name)) ? [...busy] : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 100, what: "children of one job running on both hosts at once" },
    );
    const [done] = await settle([job.job_id], 300_000);
    expect(done, JSON.stringify(done?.error)).toMatchObject({ status: "completed", error: null });
    const ran = new Set(children(done as Job).map((c) => c.worker));
    console.log(
      `SEPARATE-HOSTS segmented: ${children(done as Job).length} children, running together on ${together.join(", ")}; ` +
        `children per host: ${HOST_NAMES.map((h) => `${h}=${children(done as Job).filter((c) => c.worker === h).length}`).join(", ")}`,
    );
    expect(HOST_NAMES.every((name) => ran.has(name))).toBe(true);
    const duration = Number((await probe(path.join(d().mediaRoot, "segmented", "out.mp4"))).format.duration);
    expect(duration).toBeCloseTo(12, 0);
    expect(d().partialFiles()).toEqual([]);
  }, 420_000);
});
