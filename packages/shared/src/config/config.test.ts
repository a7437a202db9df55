import { describe, expect, it } from "vitest";
import { loadApiConfig } from "./api-config.js";
import { ConfigError } from "./env.js";
import { DEFAULT_FFMPEG_GLIBC_TUNABLES, loadWorkerConfig } from "./worker-config.js";

describe("loadApiConfig", () => {
  it("has the documented defaults", () => {
    expect(loadApiConfig({})).toEqual({
      port: 8000,
      host: "127.0.0.1",
      redisUrl: "redis://127.0.0.1:6379",
      queueName: "conversions",
      mediaRoot: "./media",
      databasePath: "./data/jobs.db",
      apiKey: undefined,
      maxQueuedJobs: 1000,
      maxBodyBytes: 65536,
      logLevel: "info",
      ffmpegPath: "ffmpeg",
      webhookSecret: undefined,
      webhookAllowPrivate: false,
      webhookTimeoutMs: 10_000,
      webhookMaxAttempts: 8,
      webhookBackoffMs: 10_000,
      cancelWaitMs: 10_000,
      reconcileIntervalMs: 60_000,
      maxInputBytes: 20 * 1024 ** 3,
      ffprobePath: "ffprobe",
      maxUploadBytes: 20 * 1024 ** 3,
      uploadMinFreeBytes: 1024 ** 3,
      uploadRetentionMs: 24 * 3_600_000,
      jobRetentionMs: 30 * 86_400_000,
      outputRetentionMs: 0,
      allowedHosts: [],
      metricsPublic: false,
      sseHeartbeatMs: 15_000,
      segmentPolicyMinSeconds: 0,
      segmentDefaultSeconds: 20,
    });
  });

  it("refuses an output retention longer than the job records that find the outputs", () => {
    expect(() => loadApiConfig({ OUTPUT_RETENTION_DAYS: "60", JOB_RETENTION_DAYS: "30" })).toThrow(
      /OUTPUT_RETENTION_DAYS must not exceed JOB_RETENTION_DAYS/,
    );
    expect(loadApiConfig({ OUTPUT_RETENTION_DAYS: "60", JOB_RETENTION_DAYS: "0" }).outputRetentionMs).toBeGreaterThan(
      0,
    );
  });

  it("reads the retention settings in hours and days; 0 keeps for good", () => {
    const config = loadApiConfig({
      UPLOAD_RETENTION_HOURS: "0",
      JOB_RETENTION_DAYS: "120",
      OUTPUT_RETENTION_DAYS: "90",
    });
    expect(config).toMatchObject({
      uploadRetentionMs: 0,
      jobRetentionMs: 120 * 86_400_000,
      outputRetentionMs: 90 * 86_400_000,
    });
  });

  it.each([
    ["api", ["api"]],
    [" API , media-box.lan ", ["api", "media-box.lan"]],
    ["*", "*"],
    ["api,*", "*"],
  ])("reads ALLOWED_HOSTS=%j", (value, expected) => {
    expect(loadApiConfig({ ALLOWED_HOSTS: value }).allowedHosts).toEqual(expected);
  });

  it.each(["http://api", "api:8000", "a b", "-api"])("refuses ALLOWED_HOSTS=%j, naming the variable", (value) => {
    expect(() => loadApiConfig({ ALLOWED_HOSTS: value })).toThrow(/ALLOWED_HOSTS/);
  });

  it.each([
    ["true", true],
    ["YES", true],
    ["1", true],
    ["false", false],
    ["0", false],
  ])("reads WEBHOOK_ALLOW_PRIVATE=%s as %s", (value, expected) => {
    expect(loadApiConfig({ WEBHOOK_ALLOW_PRIVATE: value }).webhookAllowPrivate).toBe(expected);
  });

  it("treats empty variables as unset", () => {
    expect(loadApiConfig({ API_KEY: "", PORT: " " }).apiKey).toBeUndefined();
  });

  it.each([
    [{ PORT: "80a" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ REDIS_URL: "localhost:6379" }, "REDIS_URL"],
    [{ MAX_QUEUED_JOBS: "0" }, "MAX_QUEUED_JOBS"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ API_KEY: "short" }, "API_KEY"],
    [{ WEBHOOK_SECRET: "short" }, "WEBHOOK_SECRET"],
    [{ WEBHOOK_ALLOW_PRIVATE: "maybe" }, "WEBHOOK_ALLOW_PRIVATE"],
    [{ WEBHOOK_MAX_ATTEMPTS: "4" }, "WEBHOOK_MAX_ATTEMPTS"],
    [{ WEBHOOK_BACKOFF_SECONDS: "1.5" }, "WEBHOOK_BACKOFF_SECONDS"],
    [{ RECONCILE_INTERVAL_SECONDS: "0" }, "RECONCILE_INTERVAL_SECONDS"],
    [{ MAX_INPUT_BYTES: "10GB" }, "MAX_INPUT_BYTES"],
  ])("stops on %j with a message naming %s", (env, variable) => {
    expect(() => loadApiConfig(env)).toThrow(ConfigError);
    expect(() => loadApiConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it("never repeats the API key in its error", () => {
    try {
      loadApiConfig({ API_KEY: "sekrit" });
    } catch (error) {
      expect(String(error)).not.toContain("sekrit");
    }
  });
});

describe("loadWorkerConfig", () => {
  it.each([
    [{ GPU_DECODE: "sometimes" }, "GPU_DECODE"],
    [{ PROBE_SERVER: "on" }, "PROBE_SERVER"],
    [{ FFMPEG_SPAWNER: "on" }, "FFMPEG_SPAWNER"],
    [{ FFMPEG_GLIBC_TUNABLES: "on" }, "FFMPEG_GLIBC_TUNABLES"],
    [{ FFMPEG_GLIBC_TUNABLES: "glibc.malloc.hugetlb=1:" }, "FFMPEG_GLIBC_TUNABLES"],
    [{ FFMPEG_GLIBC_TUNABLES: "LD_PRELOAD=/tmp/x.so" }, "FFMPEG_GLIBC_TUNABLES"],
    [{ NVENC_MAX_SESSIONS: "65" }, "NVENC_MAX_SESSIONS"],
    [{ NVENC_MAX_SESSIONS: "-1" }, "NVENC_MAX_SESSIONS"],
  ])("stops on the worker setting %j naming %s", (env, variable) => {
    expect(() => loadWorkerConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it("has the documented defaults", () => {
    const config = loadWorkerConfig({});
    expect(config).toMatchObject({
      concurrency: 1,
      hardware: "auto",
      ffmpegPath: "ffmpeg",
      ffprobePath: "ffprobe",
      lockDurationMs: 20_000,
      stalledIntervalMs: 10_000,
      stallTimeoutMs: 120_000,
      shutdownGraceMs: 30_000,
      gpuDecode: "auto",
      nvencMaxSessions: 0,
      probeServer: "auto",
      ffmpegSpawner: "auto",
      ffmpegGlibcTunables: DEFAULT_FFMPEG_GLIBC_TUNABLES,
    });
    expect(config.workerName).toMatch(/.+-\d+$/);
    expect(config.limits).toEqual({
      maxInputBytes: 20 * 1024 ** 3,
      maxInputWidth: 8192,
      maxInputHeight: 8192,
      maxInputPixels: 8192 * 4320,
      maxInputDurationSeconds: 86_400,
      maxInputStreams: 64,
      maxOutputBytes: 20 * 1024 ** 3,
      jobTimeoutSeconds: 21_600,
    });
  });

  it("runs ffmpeg with glibc's defaults when FFMPEG_GLIBC_TUNABLES=off, and with the operator's tunables when given", () => {
    expect(loadWorkerConfig({ FFMPEG_GLIBC_TUNABLES: "off" }).ffmpegGlibcTunables).toBeUndefined();
    expect(loadWorkerConfig({ FFMPEG_GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" }).ffmpegGlibcTunables).toBe(
      "glibc.malloc.hugetlb=0",
    );
  });

  it("reads every limit from its variable", () => {
    const config = loadWorkerConfig({
      MAX_INPUT_BYTES: "1000",
      MAX_INPUT_WIDTH: "640",
      MAX_INPUT_HEIGHT: "480",
      MAX_INPUT_PIXELS: "300000",
      MAX_INPUT_DURATION_SECONDS: "60",
      MAX_INPUT_STREAMS: "3",
      MAX_OUTPUT_BYTES: "2048",
      JOB_TIMEOUT_SECONDS: "5",
    });
    expect(config.limits).toEqual({
      maxInputBytes: 1000,
      maxInputWidth: 640,
      maxInputHeight: 480,
      maxInputPixels: 300_000,
      maxInputDurationSeconds: 60,
      maxInputStreams: 3,
      maxOutputBytes: 2048,
      jobTimeoutSeconds: 5,
    });
  });

  it.each([
    [{ HARDWARE: "tpu" }, "HARDWARE"],
    [{ MAX_CONCURRENT_JOBS: "0" }, "MAX_CONCURRENT_JOBS"],
    [{ WORKER_NAME: "bad name" }, "WORKER_NAME"],
    [{ STALL_TIMEOUT_SECONDS: "1" }, "STALL_TIMEOUT_SECONDS"],
    [{ JOB_LOCK_SECONDS: "1" }, "JOB_LOCK_SECONDS"],
    [{ MAX_INPUT_WIDTH: "0" }, "MAX_INPUT_WIDTH"],
    [{ MAX_INPUT_STREAMS: "-1" }, "MAX_INPUT_STREAMS"],
    [{ JOB_TIMEOUT_SECONDS: "1h" }, "JOB_TIMEOUT_SECONDS"],
    [{ MAX_OUTPUT_BYTES: "1.5" }, "MAX_OUTPUT_BYTES"],
  ])("stops on %j naming %s", (env, variable) => {
    expect(() => loadWorkerConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });
});
