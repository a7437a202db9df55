#!/usr/bin/env node
// Benchmark: FFmpeg Converter (API + one worker) against the same ffmpeg
// command run directly, plus the dispatch latency of an idle worker.
// Plain Node 20 ESM, no dependencies. See bench/README.md.
//
//   node bench/service-vs-ffmpeg.mjs [--duration 20] [--runs 3] [--tiny-jobs 50] [--json]
//
// Progress goes to stderr; the summary (or, with --json, one JSON object) to stdout.

import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const API_MAIN = path.join(REPO_ROOT, "packages/api/dist/main.js");
const WORKER_MAIN = path.join(REPO_ROOT, "packages/worker/dist/main.js");
// The same variables the services read (packages/shared/src/config); both are passed on to them.
const { FFMPEG_PATH, REDIS_URL: REDIS_URL_ENV } = process.env;
const FFMPEG = FFMPEG_PATH || "ffmpeg";
const REDIS_URL = REDIS_URL_ENV || "redis://127.0.0.1:6379";

const GOAL_RATIO = 1.05;
const GOAL_DISPATCH_P50_MS = 50;
const POLL_MS = 50;

// ---------------------------------------------------------------- arguments

const USAGE = `usage: node bench/service-vs-ffmpeg.mjs [options]

  --duration S    length of the generated 1080p clip in seconds (default 20)
  --runs N        service/direct pairs for the throughput test (default 3)
  --tiny-jobs N   tiny jobs for the dispatch latency test (default 50; 0 skips it)
  --json          print the figures as one JSON object instead of the text summary
  -h, --help      this help

Needs: packages/*/dist built (pnpm exec turbo run build), ffmpeg and ffprobe on PATH
(or FFMPEG_PATH / FFPROBE_PATH), Redis at REDIS_URL (default ${REDIS_URL}).`;

function parseArgs(argv) {
  const opts = { duration: 20, runs: 3, tinyJobs: 50, json: false };
  const number = (name, value, { min, integer }) => {
    const n = Number(value);
    if (value === undefined || value === "" || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new UsageError(`${name} needs ${integer ? "a whole number" : "a number"} >= ${min}, got ${value}`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => (value !== undefined ? value : argv[++i]);
    switch (arg) {
      case "--duration":
        opts.duration = number(arg, next(), { min: 1, integer: false });
        break;
      case "--runs":
        opts.runs = number(arg, next(), { min: 1, integer: true });
        break;
      case "--tiny-jobs":
        opts.tinyJobs = number(arg, next(), { min: 0, integer: true });
        break;
      case "--json":
        opts.json = true;
        break;
      case "-h":
      case "--help":
        opts.help = true;
        break;
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  return opts;
}

class UsageError extends Error {}

// ---------------------------------------------------------------- small helpers

const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function median(values) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile: with 50 samples p99 is the largest one. */
function percentile(values, p) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length))) - 1];
}

const round = (n, digits) => (n === null || n === undefined ? null : Number(n.toFixed(digits)));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs a command to completion; rejects with its stderr tail on a non-zero exit. */
function runQuiet(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    track(child);
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      err = (err + chunk).slice(-4000);
    });
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${signal ? `killed by ${signal}` : `exited ${code}`}: ${err.trim()}`));
    });
  });
}

function ffmpegVersion() {
  return new Promise((resolve) => {
    const child = spawn(FFMPEG, ["-hide_banner", "-version"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
    });
    child.once("error", () => resolve(null));
    child.once("close", () => resolve(/ffmpeg version (\S+)/.exec(out)?.[1] ?? null));
  });
}

// ---------------------------------------------------------------- shell words

/**
 * Splits a line written by the shared formatCommandLine() (POSIX sh quoting:
 * bare words of safe characters, '...' segments, '\'' for a quote) into argv.
 * Anything a shell would expand or interpret ($, `, ", ;, |, globs, ...)
 * outside single quotes is refused rather than guessed at.
 */
export function parseShellWords(line) {
  const words = [];
  let current = null;
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (ch === " " || ch === "\t") {
      if (current !== null) words.push(current);
      current = null;
      i++;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote at column ${i}`);
      current = (current ?? "") + line.slice(i + 1, end);
      i = end + 1;
    } else if (ch === "\\") {
      if (i + 1 >= line.length || line[i + 1] === "\n") throw new Error(`dangling backslash at column ${i}`);
      current = (current ?? "") + line[i + 1];
      i += 2;
    } else if (/[A-Za-z0-9_./:=+,@%-]/.test(ch)) {
      current = (current ?? "") + ch;
      i++;
    } else {
      throw new Error(`unsupported shell syntax ${JSON.stringify(ch)} at column ${i}`);
    }
  }
  if (current !== null) words.push(current);
  return words;
}

/** The worker's own quoting (packages/shared/src/ffmpeg-args/build-ffmpeg-args.ts), to check the round trip. */
function shellQuote(arg) {
  if (/^[A-Za-z0-9_./:=+,@%-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

// ---------------------------------------------------------------- processes and cleanup

const children = new Set();
/** Set by SIGINT/SIGTERM: main() then unwinds quietly and the process exits 130/143 after cleanup. */
let interrupted = false;

function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function alive(child) {
  return child.exitCode === null && child.signalCode === null;
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function waitExit(child, ms) {
  if (!alive(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Stops a service process we started: SIGTERM to it (the API and the worker
 * shut down cleanly on it), then SIGKILL to its process group (it was started
 * detached, so the group is it and the ffmpeg/ffprobe it spawned) if it, or
 * anything it left behind, is still there.
 */
async function stopService(child, graceMs = 10_000) {
  if (alive(child)) {
    try {
      child.kill("SIGTERM");
    } catch {}
    await waitExit(child, graceMs);
  }
  if (child.pid && (alive(child) || groupAlive(child.pid))) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
    await waitExit(child, 2000);
  }
}

function startService(name, script, env, logFile) {
  const fd = openSync(logFile, "a");
  const child = spawn(process.execPath, [script], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", fd, fd],
    // Own process group (and session): Ctrl-C in the terminal reaches only
    // this script, which then stops the services in order.
    detached: true,
  });
  closeSync(fd);
  track(child);
  child.benchName = name;
  child.logFile = logFile;
  return child;
}

function logTail(file, lines = 20) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

// Last resort if the script dies without running its cleanup.
process.on("exit", () => {
  for (const child of children) {
    try {
      if (child.spawnargs?.[1] === API_MAIN || child.spawnargs?.[1] === WORKER_MAIN)
        process.kill(-child.pid, "SIGKILL");
      else child.kill("SIGKILL");
    } catch {}
  }
});

// ---------------------------------------------------------------- minimal Redis client (cleanup only)

/** Just enough RESP2 to SCAN and DEL the bench queue's keys once the services are gone. */
class MiniRedis {
  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.pending = [];
    socket.on("data", (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    socket.on("error", (error) => this.failAll(error));
    socket.on("close", () => this.failAll(new Error("redis connection closed")));
  }

  static async connect(url) {
    const u = new URL(url);
    if (u.protocol !== "redis:") throw new Error(`cleanup supports redis:// only, not ${u.protocol}`);
    const socket = net.connect({ host: u.hostname || "127.0.0.1", port: Number(u.port || 6379) });
    socket.setTimeout(5000, () => socket.destroy(new Error("redis timed out")));
    await new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const client = new MiniRedis(socket);
    const password = decodeURIComponent(u.password || "");
    const user = decodeURIComponent(u.username || "");
    if (password) await client.command(...(user ? ["AUTH", user, password] : ["AUTH", password]));
    const db = u.pathname.replace(/^\//, "");
    if (db && db !== "0") await client.command("SELECT", db);
    return client;
  }

  command(...args) {
    const parts = [`*${args.length}\r\n`];
    for (const arg of args) parts.push(`$${Buffer.byteLength(String(arg))}\r\n${arg}\r\n`);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(parts.join(""));
    });
  }

  close() {
    this.socket.end();
  }

  failAll(error) {
    for (const p of this.pending.splice(0)) p.reject(error);
  }

  drain() {
    while (this.pending.length > 0) {
      const parsed = parseResp(this.buffer, 0);
      if (!parsed) return;
      this.buffer = this.buffer.subarray(parsed.end);
      const p = this.pending.shift();
      if (parsed.value instanceof Error) p.reject(parsed.value);
      else p.resolve(parsed.value);
    }
  }
}

function parseResp(buf, start) {
  const eol = buf.indexOf("\r\n", start);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[start]);
  const line = buf.toString("utf8", start + 1, eol);
  const after = eol + 2;
  switch (type) {
    case "+":
      return { value: line, end: after };
    case "-":
      return { value: new Error(line), end: after };
    case ":":
      return { value: Number(line), end: after };
    case "$": {
      const len = Number(line);
      if (len < 0) return { value: null, end: after };
      if (buf.length < after + len + 2) return null;
      return { value: buf.toString("utf8", after, after + len), end: after + len + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, end: after };
      const items = [];
      let pos = after;
      for (let k = 0; k < count; k++) {
        const item = parseResp(buf, pos);
        if (!item) return null;
        items.push(item.value);
        pos = item.end;
      }
      return { value: items, end: pos };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

async function deleteQueueKeys(queueName) {
  const redis = await MiniRedis.connect(REDIS_URL);
  let deleted = 0;
  try {
    for (const pattern of [`bull:${queueName}:*`, `converter:${queueName}:*`]) {
      let cursor = "0";
      do {
        const [next, keys] = await redis.command("SCAN", cursor, "MATCH", pattern, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.command("DEL", ...keys);
      } while (cursor !== "0");
    }
  } finally {
    redis.close();
  }
  return deleted;
}

// ---------------------------------------------------------------- HTTP

class Api {
  constructor(base) {
    this.base = base;
  }

  async request(method, route, body) {
    const response = await fetch(this.base + route, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text };
  }

  async submit(body) {
    const r = await this.request("POST", "/convert", body);
    if (r.status !== 202) throw new Error(`POST /convert answered ${r.status}: ${r.text.slice(0, 500)}`);
    return r.json;
  }

  /**
   * Polls GET /status/{id} until the job is completed; throws if it fails or
   * is cancelled. Like a considerate client it waits about a quarter of the
   * job's eta_seconds between polls (at most 1 s) and polls every POLL_MS only
   * near the end: 20 polls a second for the whole encode would take CPU from
   * the very ffmpeg being measured on a 2-core machine.
   */
  async waitCompleted(jobId, timeoutMs) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const r = await this.request("GET", `/status/${jobId}`);
      if (r.status !== 200) throw new Error(`GET /status/${jobId} answered ${r.status}: ${r.text.slice(0, 500)}`);
      const job = r.json;
      if (job.status === "completed") return job;
      if (job.status === "failed" || job.status === "cancelled") {
        const logs = await this.logs(jobId).catch(() => []);
        throw new Error(
          `job ${jobId} ${job.status}: ${JSON.stringify(job.error)}\n  last log lines:\n    ${logs.slice(-8).join("\n    ")}`,
        );
      }
      if (performance.now() > deadline) throw new Error(`job ${jobId} still ${job.status} after ${timeoutMs} ms`);
      const eta = typeof job.eta_seconds === "number" ? job.eta_seconds : null;
      await sleep(eta !== null && eta > 1 ? Math.min(1000, Math.max(POLL_MS, (eta * 1000) / 4)) : POLL_MS);
    }
  }

  async logs(jobId) {
    const r = await this.request("GET", `/jobs/${jobId}/logs`);
    if (r.status !== 200 || !Array.isArray(r.json?.logs)) {
      throw new Error(`GET /jobs/${jobId}/logs answered ${r.status}: ${r.text.slice(0, 500)}`);
    }
    return r.json.logs;
  }
}

async function waitHealthy(api, services, timeoutMs = 60_000) {
  const deadline = performance.now() + timeoutMs;
  let last = "no answer yet";
  while (performance.now() < deadline) {
    for (const s of services) {
      if (!alive(s)) {
        throw new Error(
          `${s.benchName} exited (${s.exitCode ?? s.signalCode}) during start-up:\n${logTail(s.logFile)}`,
        );
      }
    }
    try {
      const r = await api.request("GET", "/health");
      const workers = r.json?.workers ?? [];
      if (r.status === 200 && workers.length >= 1) return r.json;
      last = `${r.status} ${r.text.slice(0, 300)}`;
    } catch (error) {
      last = error.message;
    }
    await sleep(100);
  }
  throw new Error(`service not healthy after ${timeoutMs} ms; last /health: ${last}`);
}

// ---------------------------------------------------------------- log lines

const STARTED_RE = /^ffmpeg started at (\S+) \(pid \d+\)/;
const COMPLETED_RE = /^completed in ([\d.]+) s:/;

function ffmpegStartedAt(logs) {
  for (const line of logs) {
    const m = STARTED_RE.exec(line);
    if (m) {
      const t = Date.parse(m[1]);
      if (Number.isFinite(t)) return t;
    }
  }
  return null;
}

function workerFfmpegSeconds(logs) {
  for (const line of logs) {
    const m = COMPLETED_RE.exec(line);
    if (m) return Number(m[1]);
  }
  return null;
}

/**
 * The exact argv the worker ran, from the first log line, with its output
 * (the `.service-N.mp4.<job>.partial` temp file) replaced by `direct-N.mp4`
 * in the same folder.
 */
function directArgv(logs, serviceOutputName, directName) {
  const line = logs[0];
  if (typeof line !== "string" || line.trim() === "") throw new Error("the job's log has no command line");
  const argv = parseShellWords(line);
  if (argv.map(shellQuote).join(" ") !== line) {
    log("warning: the command line does not round-trip through the worker's quoting; check parseShellWords");
  }
  const outIndex = argv.findLastIndex((a) => a.startsWith("file:") && a.endsWith(".partial"));
  if (outIndex < 0) throw new Error(`no file:...partial output in the logged command: ${line}`);
  const partial = argv[outIndex].slice("file:".length);
  if (!path.basename(partial).startsWith(`.${serviceOutputName}.`)) {
    throw new Error(`unexpected output ${partial} in the logged command (wanted .${serviceOutputName}.<job>.partial)`);
  }
  const direct = path.join(path.dirname(partial), directName);
  const replaced = [...argv];
  replaced[outIndex] = `file:${direct}`;
  return { argv: replaced, outputPath: direct, commandLine: line };
}

/** Runs ffmpeg the way the worker does (no shell, stdout and stderr piped and drained); returns milliseconds. */
function runDirect(argv) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // detached: its own session, like the worker's ffmpeg (the worker runs in a session of its own), so
    // both get the same share of the CPU under the kernel's per-session autogroup scheduling.
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], shell: false, detached: true });
    track(child);
    let err = "";
    child.stdout.resume();
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      err = (err + chunk).slice(-4000);
    });
    child.once("error", reject);
    child.once("close", (code, signal) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`direct ffmpeg ${signal ? `killed by ${signal}` : `exited ${code}`}: ${err.trim()}`));
    });
  });
}

// ---------------------------------------------------------------- the benchmark

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  for (const file of [API_MAIN, WORKER_MAIN]) {
    if (!existsSync(file))
      throw new Error(`${path.relative(REPO_ROOT, file)} is missing: run pnpm exec turbo run build`);
  }

  const queueName = `bench-${process.pid}`;
  const tmp = await mkdtemp(path.join(os.tmpdir(), "ffc-bench-"));
  const mediaRoot = path.join(tmp, "media");
  const databasePath = path.join(tmp, "data", "jobs.db");
  const services = [];
  let cleaning;

  const cleanup = () => {
    cleaning ??= (async () => {
      for (const child of children) if (!services.includes(child)) child.kill("SIGKILL"); // direct ffmpeg, generators
      // Worker first, so it hands nothing back to a queue the API no longer watches.
      for (const s of [...services].reverse()) await stopService(s);
      try {
        const n = await deleteQueueKeys(queueName);
        if (n > 0) log(`removed ${n} Redis keys of queue ${queueName}`);
      } catch (error) {
        log(`could not remove the Redis keys of queue ${queueName}: ${error.message}`);
      }
      await rm(tmp, { recursive: true, force: true });
    })();
    return cleaning;
  };

  const onSignal = (signal) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping the services and removing ${tmp}`);
    cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));

  try {
    await mkdir(path.join(mediaRoot, "incoming"), { recursive: true });
    await mkdir(path.join(mediaRoot, "out"), { recursive: true });
    await mkdir(path.dirname(databasePath), { recursive: true });

    const version = await ffmpegVersion();
    if (!version) throw new Error(`${FFMPEG} cannot be run; install ffmpeg or set FFMPEG_PATH`);

    log(`generating a ${opts.duration} s 1920x1080 clip and a 0.2 s 160x120 clip in ${mediaRoot}`);
    const generate = (size, duration, file) =>
      runQuiet(FFMPEG, [
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        `testsrc2=size=${size}:rate=30:duration=${duration}`,
        "-f",
        "lavfi",
        "-i",
        `sine=frequency=440:sample_rate=48000:duration=${duration}`,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-shortest",
        path.join(mediaRoot, "incoming", file),
      ]);
    await generate("1920x1080", opts.duration, "clip.mkv");
    if (opts.tinyJobs > 0) await generate("160x120", 0.2, "tiny.mkv");

    const port = await freePort();
    const env = {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIS_URL,
      QUEUE_NAME: queueName,
      MEDIA_ROOT: mediaRoot,
      DATABASE_PATH: databasePath,
      LOG_LEVEL: "warn",
      MAX_CONCURRENT_JOBS: "1",
      WORKER_NAME: `bench-${process.pid}-worker`,
    };
    delete env.API_KEY; // auth is off for this private, loopback-only instance
    log(`starting the API on 127.0.0.1:${port} and one worker on queue ${queueName}`);
    services.push(startService("api", API_MAIN, env, path.join(tmp, "api.log")));
    services.push(startService("worker", WORKER_MAIN, env, path.join(tmp, "worker.log")));
    const api = new Api(`http://127.0.0.1:${port}`);
    const health = await waitHealthy(api, services);
    const workerInfo = health.workers[0];
    log(`ready: ffmpeg ${health.ffmpeg?.version}, worker ${workerInfo.name}`);

    const deadOnes = () => services.filter((s) => !alive(s));
    const checkServices = () => {
      const dead = deadOnes();
      if (dead.length > 0) {
        throw new Error(dead.map((s) => `${s.benchName} exited unexpectedly:\n${logTail(s.logFile)}`).join("\n"));
      }
    };

    // ---- throughput
    const jobTimeoutMs = Math.max(600_000, opts.duration * 120_000);
    const runs = [];
    let lastLogs = null;
    let lastServiceName = null;
    let encoder = null;
    const doService = async (n) => {
      const name = `service-${n}.mp4`;
      const t0Wall = Date.now();
      const t0 = performance.now();
      const job = await api.submit({ input: "incoming/clip.mkv", preset: "h264-720p", output: `out/${name}` });
      const done = await api.waitCompleted(job.job_id, jobTimeoutMs);
      const ms = performance.now() - t0;
      const logs = await api.logs(job.job_id);
      lastLogs = logs;
      lastServiceName = name;
      encoder = done.encoder ?? encoder;
      const started = ffmpegStartedAt(logs);
      return {
        ms,
        job_id: job.job_id,
        dispatch_ms: started === null ? null : started - t0Wall,
        worker_ffmpeg_s: workerFfmpegSeconds(logs),
        size_bytes: done.result?.size_bytes ?? null,
        height: done.result?.height ?? null,
      };
    };
    const doDirect = async (n) => {
      const plan = directArgv(lastLogs, lastServiceName, `direct-${n}.mp4`);
      const ms = await runDirect(plan.argv);
      const size = (await stat(plan.outputPath)).size;
      return { ms, size_bytes: size, command: plan.argv };
    };

    for (let n = 1; n <= opts.runs; n++) {
      // Pair 1 must start with the service: the direct run needs its command line.
      const serviceFirst = n % 2 === 1;
      let service;
      let direct;
      if (serviceFirst) {
        service = await doService(n);
        checkServices();
        direct = await doDirect(n);
      } else {
        direct = await doDirect(n);
        service = await doService(n);
        checkServices();
      }
      runs.push({ pair: n, order: serviceFirst ? "service,direct" : "direct,service", service, direct });
      log(
        `pair ${n}/${opts.runs} (${serviceFirst ? "service first" : "direct first"}): ` +
          `service ${(service.ms / 1000).toFixed(3)} s, direct ${(direct.ms / 1000).toFixed(3)} s, ` +
          `ratio ${(service.ms / direct.ms).toFixed(3)}`,
      );
    }
    const serviceMedian = median(runs.map((r) => r.service.ms));
    const directMedian = median(runs.map((r) => r.direct.ms));
    // Each pair runs back to back, so a shared machine's speed drifting between
    // pairs cancels out of its ratio: the median of the pair ratios is the
    // headline; the ratio of the medians is printed beside it.
    const ratio = median(runs.map((r) => r.service.ms / r.direct.ms));
    const ratioOfMedians = serviceMedian / directMedian;

    // ---- dispatch latency
    const latencies = [];
    const tinyTotals = [];
    // Where the dispatch time goes: POST answered (API), job taken by the
    // worker (the job's started_at, BullMQ's processedOn), then the worker's
    // own preparation (path checks, ffprobe of the input, log writes).
    const postMs = [];
    const pickupMs = [];
    const prepMs = [];
    for (let n = 1; n <= opts.tinyJobs; n++) {
      const before = Date.now(); // wall clock: compared with the worker's ISO timestamp (same machine)
      const t0 = performance.now();
      const job = await api.submit({
        input: "incoming/tiny.mkv",
        preset: "h264",
        options: { duration: 0.1 },
        output: `out/tiny-${n}.mp4`,
      });
      postMs.push(performance.now() - t0);
      const done = await api.waitCompleted(job.job_id, 60_000);
      tinyTotals.push(performance.now() - t0);
      const logs = await api.logs(job.job_id);
      const started = ffmpegStartedAt(logs);
      if (started === null)
        throw new Error(`job ${job.job_id} has no "ffmpeg started at" log line:\n${logs.join("\n")}`);
      latencies.push(started - before);
      const active = Date.parse(done.started_at ?? "");
      if (Number.isFinite(active)) {
        pickupMs.push(active - before);
        prepMs.push(started - active);
      }
      if (n % 10 === 0 || n === opts.tinyJobs) log(`tiny jobs: ${n}/${opts.tinyJobs}`);
    }
    checkServices();

    const dispatch =
      latencies.length > 0
        ? {
            jobs: latencies.length,
            p50_ms: round(percentile(latencies, 50), 1),
            p99_ms: round(percentile(latencies, 99), 1),
            min_ms: round(Math.min(...latencies), 1),
            max_ms: round(Math.max(...latencies), 1),
            goal_p50_ms: GOAL_DISPATCH_P50_MS,
            goal_met: percentile(latencies, 50) <= GOAL_DISPATCH_P50_MS,
            post_to_completed_p50_ms: round(percentile(tinyTotals, 50), 1),
            breakdown_p50_ms: {
              post_answered: round(percentile(postMs, 50), 1),
              picked_up_by_worker: round(percentile(pickupMs, 50), 1),
              worker_prep_until_ffmpeg: round(percentile(prepMs, 50), 1),
            },
            samples_ms: latencies,
          }
        : null;

    const report = {
      machine: {
        cpus: os.cpus().length,
        cpu_model: os.cpus()[0]?.model ?? null,
        node: process.version,
        ffmpeg: version,
        encoder,
        worker_encoders: workerInfo.encoders ?? null,
      },
      clip: { size: "1920x1080", fps: 30, duration_s: opts.duration, preset: "h264-720p" },
      throughput: {
        runs: opts.runs,
        service_median_s: round(serviceMedian / 1000, 3),
        direct_median_s: round(directMedian / 1000, 3),
        ratio: round(ratio, 4),
        ratio_of_medians: round(ratioOfMedians, 4),
        goal_ratio: GOAL_RATIO,
        goal_met: ratio <= GOAL_RATIO,
        worker_ffmpeg_median_s: round(median(runs.map((r) => r.service.worker_ffmpeg_s).filter((v) => v !== null)), 3),
        service_dispatch_median_ms: round(median(runs.map((r) => r.service.dispatch_ms).filter((v) => v !== null)), 1),
        command: runs[0]?.direct.command ?? null,
        pairs: runs.map((r) => ({
          pair: r.pair,
          order: r.order,
          service_s: round(r.service.ms / 1000, 3),
          direct_s: round(r.direct.ms / 1000, 3),
          service_dispatch_ms: r.service.dispatch_ms,
          worker_ffmpeg_s: r.service.worker_ffmpeg_s,
          service_size_bytes: r.service.size_bytes,
          direct_size_bytes: r.direct.size_bytes,
        })),
      },
      dispatch,
    };

    if (opts.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      printSummary(report);
    }
  } catch (error) {
    if (!interrupted) {
      for (const s of services) {
        log(`--- ${s.benchName} log (tail) ---\n${logTail(s.logFile)}`);
      }
    }
    throw error;
  } finally {
    await cleanup(); // memoised: the signal handler may already be running it
  }
}

function printSummary(r) {
  const t = r.throughput;
  const d = r.dispatch;
  const mark = (ok) => (ok ? "met" : "NOT met");
  const fmt = (v) => (v === null || v === undefined ? "n/a" : v.toFixed(1));
  const out = [
    "",
    "=== FFmpeg Converter: service vs. direct ffmpeg ===",
    `machine   ${r.machine.cpus} CPUs (${r.machine.cpu_model}), node ${r.machine.node}, ffmpeg ${r.machine.ffmpeg}, encoder ${r.machine.encoder}`,
    `clip      ${r.clip.size} ${r.clip.fps} fps, ${r.clip.duration_s} s -> preset ${r.clip.preset}`,
    "",
    `Throughput (${t.runs} pair${t.runs === 1 ? "" : "s"}, alternating order; service = POST /convert to status completed)`,
    `  service  median ${t.service_median_s.toFixed(3)} s   [${t.pairs.map((p) => p.service_s.toFixed(3)).join(", ")}]`,
    `  direct   median ${t.direct_median_s.toFixed(3)} s   [${t.pairs.map((p) => p.direct_s.toFixed(3)).join(", ")}]`,
    `  ratio service/direct (median of pair ratios)  ${t.ratio.toFixed(3)}   goal <= ${t.goal_ratio}   (${mark(t.goal_met)})`,
    `  (ratio of the medians: ${t.ratio_of_medians.toFixed(3)})`,
    `  (of which POST -> ffmpeg started, median: ${t.service_dispatch_median_ms ?? "n/a"} ms;` +
      ` ffmpeg's own run inside the worker, median: ${t.worker_ffmpeg_median_s ?? "n/a"} s)`,
    "",
  ];
  if (d) {
    out.push(
      `Dispatch latency (${d.jobs} tiny jobs, one at a time on the idle worker; time just before POST -> ffmpeg started)`,
      `  p50  ${d.p50_ms.toFixed(1)} ms   goal p50 <= ${d.goal_p50_ms} ms   (${mark(d.goal_met)})`,
      `  p99  ${d.p99_ms.toFixed(1)} ms   (min ${d.min_ms.toFixed(1)}, max ${d.max_ms.toFixed(1)}; POST -> completed p50 ${d.post_to_completed_p50_ms.toFixed(1)} ms)`,
      `  p50 breakdown: POST answered ${fmt(d.breakdown_p50_ms.post_answered)} ms, taken by worker ${fmt(d.breakdown_p50_ms.picked_up_by_worker)} ms, ` +
        `worker prep (checks, ffprobe, logs) ${fmt(d.breakdown_p50_ms.worker_prep_until_ffmpeg)} ms after that`,
      "",
    );
  } else {
    out.push("Dispatch latency: skipped (--tiny-jobs 0)", "");
  }
  process.stdout.write(out.join("\n"));
}

main().then(
  () => {
    if (!interrupted) process.exit(0);
  },
  (error) => {
    if (interrupted) return; // the signal handler exits once cleanup is done
    log(`failed: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
