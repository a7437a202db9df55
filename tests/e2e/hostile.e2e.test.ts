import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentTypes, expectContractAnswer, headerValue, nearValidBody, SEED } from "../support/convert-fuzz.js";
import { makeClip } from "../support/media.js";
import { Deployment, type Job } from "./harness.js";

/**
 * Hostile input, end to end over HTTP against the real api and worker
 * (issue 4, docs/adr/0007-hostile-input.md). Each case says what a stranger
 * sends and what must come back; afterwards the suite proves that nothing
 * outside MEDIA_ROOT was read or written: no byte of /etc/passwd or of a
 * canary file outside the root in any file or job log, no connection to a
 * listener on loopback, no new file beside the root, no job left running.
 */
const run = promisify(execFile);
const ffmpeg = (args: string[]) => run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", ...args]);

/** Low limits so each one can be crossed by a tiny file. */
const LIMITS = {
  MAX_INPUT_WIDTH: "1000",
  MAX_INPUT_HEIGHT: "1000",
  MAX_INPUT_PIXELS: "400000",
  MAX_INPUT_DURATION_SECONDS: "30",
  MAX_INPUT_STREAMS: "8",
  MAX_INPUT_BYTES: "2000000",
  MAX_OUTPUT_BYTES: "100000",
  JOB_TIMEOUT_SECONDS: "60",
};

const deployment = new Deployment(LIMITS);
const canaryText = `canary-${randomUUID()}`;
const canaryPath = path.join(deployment.dir, "canary.txt");
const outsideDir = path.join(deployment.dir, "outside");
let listener: Server;
let listenerPort = 0;
let connections = 0;
let entriesBesideRoot: string[] = [];
const jobIds: string[] = [];

type Expectation =
  /** Refused at submit. */
  | { status: number; code: string }
  /** Accepted, then the job ends like this. */
  | { job: "completed" }
  | { job: "failed"; code: string; message?: RegExp }
  /** Damaged media that ffmpeg may or may not salvage: any terminal state but in_progress. */
  | { job: "completed_or_failed" };

type Case = [family: string, name: string, body: () => Record<string, unknown>, expected: Expectation];

const port = () => listenerPort;
const invalidPath = { status: 422, code: "invalid_path" };
const notFound = { status: 404, code: "input_not_found" };
const invalidBody = { status: 422, code: "validation_failed" };
const invalidMedia = { job: "failed", code: "invalid_media" } as const;
const overLimit = (variable: string) =>
  ({ job: "failed", code: "input_limit_exceeded", message: new RegExp(variable) }) as const;
let n = 0;
/** A body converting input to a fresh output name, with extra fields. */
const convert =
  (input: string, extra: Record<string, unknown> = {}) =>
  () => ({
    input,
    output: `converted/case-${++n}.mp4`,
    ...extra,
  });

const CASES: Case[] = [
  // paths that leave the root
  ["paths", "parent traversal", convert("../canary.txt"), invalidPath],
  ["paths", "absolute path", convert("/etc/passwd"), invalidPath],
  ["paths", "traversal inside a path", convert("incoming/../../etc/passwd"), invalidPath],
  ["paths", "backslash traversal", convert("..\\canary.txt"), invalidPath],
  ["paths", "Windows drive path", convert("C:\\Windows\\win.ini"), invalidPath],
  ["paths", "NUL byte", convert("clip.mkv\u0000.txt"), invalidPath],
  ["paths", "newline in the name", convert("clip.mkv\n"), invalidPath],
  ["paths", "symlink to a file outside the root", convert("escape.mkv"), invalidPath],
  ["paths", "through a symlinked folder outside the root", convert("outside-link/clip.mkv"), invalidPath],
  ["paths", "output traversal", () => ({ input: "clip.mkv", output: "../written.mp4" }), invalidPath],
  ["paths", "absolute output", () => ({ input: "clip.mkv", output: `${outsideDir}/written.mp4` }), invalidPath],
  [
    "paths",
    "output through a symlinked folder",
    () => ({ input: "clip.mkv", output: "outside-link/w.mp4" }),
    invalidPath,
  ],
  [
    "paths",
    "output symlink to the canary",
    () => ({ input: "clip.mkv", output: "canary-link.mp4", overwrite: true }),
    invalidPath,
  ],
  ["paths", "output is the input", () => ({ input: "clip.mkv", output: "clip.mkv", overwrite: true }), invalidPath],
  // URL schemes as paths: only ever names of files under the root
  ["url schemes", "concat:", convert(`concat:/etc/passwd|${canaryPath}`), notFound],
  ["url schemes", "subfile:", convert("subfile:,,start,0,end,0,,:/etc/passwd"), notFound],
  ["url schemes", "data:", convert("data:text/plain;base64,cm9vdDp4OjA6MA=="), notFound],
  ["url schemes", "gopher:// to Redis", () => convert(`gopher://127.0.0.1:${port()}/_FLUSHALL`)(), notFound],
  ["url schemes", "http:// to loopback", () => convert(`http://127.0.0.1:${port()}/a.mp4`)(), notFound],
  ["url schemes", "unix:", convert("unix:/var/run/redis/redis.sock"), notFound],
  ["url schemes", "file://", convert("file:///etc/passwd"), notFound],
  ["url schemes", "a real file named concat:… is just a file", convert("concat:clip.mkv"), { job: "completed" }],
  ["url schemes", "a real file named subfile:… is just a file", convert("subfile:clip.mkv"), { job: "completed" }],
  ["url schemes", "a real file named data:… is just a file", convert("data:clip.mkv"), { job: "completed" }],
  // playlists, lists and manifests that name other files or URLs
  ["playlists", "HLS playlist disguised as .mp4", convert("playlist.mp4"), invalidMedia],
  ["playlists", "HLS playlist as .m3u8", convert("playlist.m3u8"), invalidMedia],
  ["playlists", "HLS playlist with concat:/subfile: entries", convert("protocols.m3u8"), invalidMedia],
  ["playlists", "HLS playlist reaching out through a symlinked folder", convert("relative.m3u8"), invalidMedia],
  ["playlists", "DASH manifest to loopback", convert("manifest.mpd"), invalidMedia],
  ["playlists", "SDP pointing at loopback", convert("stream.sdp"), invalidMedia],
  ["concat lists", "ffconcat list disguised as .mkv", convert("list.mkv"), invalidMedia],
  ["concat lists", "ffconcat list as .ffconcat", convert("list.ffconcat"), invalidMedia],
  ["concat lists", "relative entries ffmpeg's safe mode allows", convert("relative-list.mkv"), invalidMedia],
  ["concat lists", "concat list naming a URL", convert("urls.txt"), invalidMedia],
  ["concat lists", "image sequence pattern", convert("frame%d.png"), invalidMedia],
  ["concat lists", "text file the tty demuxer would render", convert("notes.txt"), invalidMedia],
  // options: no filter, no raw argument, nothing but the API's own words
  [
    "options",
    "filter injected through video_codec",
    convert("clip.mkv", { options: { video_codec: "h264 -vf movie=/etc/passwd" } }),
    invalidBody,
  ],
  [
    "options",
    "argument injected through audio_codec",
    convert("clip.mkv", { options: { audio_codec: "aac -i /etc/passwd" } }),
    invalidBody,
  ],
  [
    "options",
    "an ffmpeg encoder name instead of the API's word",
    convert("clip.mkv", { options: { video_codec: "libx264" } }),
    invalidBody,
  ],
  [
    "options",
    "drawtext through a bitrate",
    convert("clip.mkv", { options: { video_bitrate: "4M -vf drawtext=textfile=/etc/passwd" } }),
    invalidBody,
  ],
  ["options", "bitrate with a space", convert("clip.mkv", { options: { video_bitrate: "4 M" } }), invalidBody],
  ["options", "bitrate with a dash", convert("clip.mkv", { options: { audio_bitrate: "-128k" } }), invalidBody],
  ["options", "hls as container", convert("clip.mkv", { options: { container: "hls" } }), invalidBody],
  ["options", "a filter field", convert("clip.mkv", { filter: "movie=/etc/passwd" }), invalidBody],
  [
    "options",
    "raw arguments in options",
    convert("clip.mkv", { options: { extra_args: ["-i", "/etc/passwd"] } }),
    invalidBody,
  ],
  [
    "options",
    "shell in the preset",
    convert("clip.mkv", { preset: "h264; cat /etc/passwd" }),
    { status: 422, code: "unknown_preset" },
  ],
  ["options", "width as a string", convert("clip.mkv", { options: { width: "1280" } }), invalidBody],
  ["options", "absurd width", convert("clip.mkv", { options: { width: 100000 } }), invalidBody],
  ["options", "absurd crf", convert("clip.mkv", { options: { crf: 1e9 } }), invalidBody],
  [
    "options",
    "gopher webhook to loopback",
    () => convert("clip.mkv", { webhook_url: `gopher://127.0.0.1:${port()}/_` })(),
    invalidBody,
  ],
  // decompression bombs and limits
  ["dimensions", "wider than MAX_INPUT_WIDTH", convert("wide.mkv"), overLimit("MAX_INPUT_WIDTH")],
  ["dimensions", "taller than MAX_INPUT_HEIGHT", convert("tall.mkv"), overLimit("MAX_INPUT_HEIGHT")],
  ["dimensions", "more pixels than MAX_INPUT_PIXELS", convert("square.mkv"), overLimit("MAX_INPUT_PIXELS")],
  ["durations", "longer than MAX_INPUT_DURATION_SECONDS", convert("long.mka"), overLimit("MAX_INPUT_DURATION_SECONDS")],
  [
    "durations",
    "a tiny file claiming 100000 s",
    convert("claims-forever.mkv"),
    overLimit("MAX_INPUT_DURATION_SECONDS"),
  ],
  ["stream counts", "more streams than MAX_INPUT_STREAMS", convert("many-streams.mkv"), overLimit("MAX_INPUT_STREAMS")],
  ["sizes", "input over MAX_INPUT_BYTES", convert("big.mkv"), { status: 422, code: "input_too_large" }],
  [
    "sizes",
    "output over MAX_OUTPUT_BYTES",
    convert("whole.mp4", { options: { crf: 0, width: 1280, height: 960 } }),
    { job: "failed", code: "output_too_large", message: /MAX_OUTPUT_BYTES/ },
  ],
  // damaged files
  ["corrupt files", "empty file", convert("empty.mkv"), invalidMedia],
  ["corrupt files", "random bytes", convert("random.mp4"), invalidMedia],
  ["corrupt files", "mp4 cut before its index", convert("truncated.mp4"), invalidMedia],
  ["corrupt files", "mkv cut in half", convert("truncated.mkv"), { job: "completed_or_failed" }],
  ["corrupt files", "mkv with a damaged middle", convert("damaged.mkv"), { job: "completed_or_failed" }],
  // odd but legitimate names
  ["odd names", "leading dash", convert("-y.mkv"), { job: "completed" }],
  ["odd names", "spaces and unicode", convert("dossier été/ünï cødé name.mkv"), { job: "completed" }],
  ["odd names", "quotes, $ and ;", convert("it's $(id); `id`.mkv"), { job: "completed" }],
  ["odd names", "odd output name", () => ({ input: "clip.mkv", output: "converted/-i x|y.mp4" }), { job: "completed" }],
];

async function prepareMedia(root: string): Promise<void> {
  const at = (name: string) => path.join(root, name);
  const clip = await makeClip(at("clip.mkv"), { width: 160, height: 120, seconds: 0.5, rate: 10 });
  for (const name of ["concat:clip.mkv", "subfile:clip.mkv", "data:clip.mkv", "-y.mkv", "it's $(id); `id`.mkv"]) {
    writeFileSync(at(name), readFileSync(clip));
  }
  mkdirSync(at("dossier été"));
  writeFileSync(at("dossier été/ünï cødé name.mkv"), readFileSync(clip));

  // Everything outside the root that a trick could reach.
  writeFileSync(canaryPath, `${canaryText}\n`);
  mkdirSync(outsideDir);
  writeFileSync(path.join(outsideDir, "clip.mkv"), readFileSync(clip));
  symlinkSync(canaryPath, at("escape.mkv"));
  symlinkSync(canaryPath, at("canary-link.mp4"));
  symlinkSync(outsideDir, at("outside-link"));

  const loopback = `http://127.0.0.1:${listenerPort}`;
  const hls = (entries: string[]) =>
    `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n${entries.map((e) => `#EXTINF:10.0,\n${e}\n`).join("")}#EXT-X-ENDLIST\n`;
  const playlist = hls(["file:///etc/passwd", `file://${canaryPath}`, `${loopback}/segment.ts`]);
  writeFileSync(at("playlist.mp4"), playlist);
  writeFileSync(at("playlist.m3u8"), playlist);
  writeFileSync(
    at("protocols.m3u8"),
    hls([
      `concat:/etc/passwd|${canaryPath}`,
      "subfile:,,start,0,end,0,,:/etc/passwd",
      `gopher://127.0.0.1:${listenerPort}/_x`,
    ]),
  );
  writeFileSync(
    at("manifest.mpd"),
    `<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT10S" ` +
      `minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"><Period><AdaptationSet mimeType="video/mp4">` +
      `<Representation id="1" bandwidth="1000"><BaseURL>${loopback}/v.mp4</BaseURL></Representation></AdaptationSet></Period></MPD>\n`,
  );
  writeFileSync(
    at("stream.sdp"),
    `v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video ${listenerPort} RTP/AVP 96\na=rtpmap:96 H264/90000\n`,
  );
  const list = `ffconcat version 1.0\nfile '/etc/passwd'\nfile '${canaryPath}'\nfile '${outsideDir}/clip.mkv'\n`;
  writeFileSync(at("list.mkv"), list);
  writeFileSync(at("list.ffconcat"), list);
  // Relative names pass ffmpeg's own guards (concat's safe mode, HLS segment extensions); only the allowlist stops them.
  writeFileSync(at("relative.m3u8"), hls(["outside-link/clip.mkv", "clip.mkv"]));
  writeFileSync(at("relative-list.mkv"), "ffconcat version 1.0\nfile 'outside-link/clip.mkv'\nfile 'clip.mkv'\n");
  writeFileSync(at("urls.txt"), `ffconcat version 1.0\nfile '${loopback}/x.mkv'\n`);
  writeFileSync(at("notes.txt"), "plain text that a tty demuxer would draw as video\n".repeat(20));
  await ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=32x32:d=0.1:r=10", at("frame%d.png")]);
  // A file literally named with the pattern, so the request reaches ffmpeg.
  writeFileSync(at("frame%d.png"), readFileSync(at("frame1.png")));

  // Bombs made cheap: each crosses one of the deployment's low limits.
  const still = (size: string, name: string) =>
    ffmpeg(["-f", "lavfi", "-i", `color=c=red:s=${size}:r=1:d=1`, "-c:v", "libx264", "-preset", "ultrafast", at(name)]);
  await still("1200x200", "wide.mkv");
  await still("200x1200", "tall.mkv");
  await still("800x800", "square.mkv");
  await ffmpeg(["-f", "lavfi", "-i", "sine=d=40:sample_rate=8000", "-c:a", "pcm_s16le", at("long.mka")]);
  await ffmpeg([
    ...["-f", "lavfi", "-i", "color=c=blue:s=16x16:r=1:d=2", "-vf", "setpts=N*100000/TB", "-fps_mode", "passthrough"],
    ...["-c:v", "libx264", "-preset", "ultrafast", at("claims-forever.mkv")],
  ]);
  const maps = Array.from({ length: 12 }, () => ["-map", "0:a"]).flat();
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    "sine=d=0.2:sample_rate=8000",
    ...maps,
    "-c:a",
    "pcm_s16le",
    at("many-streams.mkv"),
  ]);
  writeFileSync(at("big.mkv"), Buffer.alloc(3_000_000));

  writeFileSync(at("empty.mkv"), "");
  writeFileSync(at("random.mp4"), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
  const mp4 = await makeClip(at("whole.mp4"), { width: 160, height: 120, seconds: 1, rate: 10 });
  writeFileSync(at("truncated.mp4"), readFileSync(mp4).subarray(0, 2000));
  writeFileSync(at("truncated.mkv"), readFileSync(clip));
  truncateSync(at("truncated.mkv"), Math.floor(statSync(clip).size / 2));
  const damaged = Buffer.from(readFileSync(clip));
  damaged.fill(0xff, Math.floor(damaged.length / 3), Math.floor(damaged.length / 3) + 512);
  writeFileSync(at("damaged.mkv"), damaged);
}

/** Every file under dir, recursively, symlinks not followed. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return entry.isFile() ? [full] : [];
  });
}

const besideRoot = () =>
  readdirSync(deployment.dir)
    .filter((name) => !name.startsWith("jobs.db"))
    .sort();

beforeAll(async () => {
  listener = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  listenerPort = (listener.address() as { port: number }).port;
  await prepareMedia(deployment.mediaRoot);
  entriesBesideRoot = besideRoot();
  await deployment.startApi();
  await deployment.startWorker();
});

afterAll(async () => {
  await deployment.destroy();
  await new Promise((resolve) => listener.close(resolve));
});

describe(`hostile input over HTTP (${CASES.length} cases)`, () => {
  it("has at least 40 cases across every family", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map(([family]) => family)).size).toBeGreaterThanOrEqual(10);
  });

  it.each(CASES)("%s: %s", async (_family, _name, makeBody, expected) => {
    const res = await deployment.convert(makeBody());
    const body = (await res.json()) as Job & { error: { code: string; message: string } };
    if ("status" in expected) {
      expect({ status: res.status, code: body.error?.code }).toEqual(expected);
      expect(body.error.message).not.toContain(deployment.mediaRoot);
      return;
    }
    expect(res.status, JSON.stringify(body)).toBe(202);
    jobIds.push(body.job_id);
    const { job } = await deployment.waitForEnd(body.job_id, 60_000);
    if (expected.job === "completed_or_failed") {
      expect(["completed", "failed"]).toContain(job.status);
      return;
    }
    expect(job.status, JSON.stringify(job.error)).toBe(expected.job);
    if (expected.job === "failed") {
      expect(job.error?.code).toBe(expected.code);
      if (expected.message) expect(job.error?.message).toMatch(expected.message);
      // Clients see paths relative to the root, never the node's layout.
      expect(job.error?.message).not.toContain(deployment.mediaRoot);
    }
  });

  it("read and wrote nothing outside MEDIA_ROOT and left no job running", async () => {
    expect(connections).toBe(0);
    expect(readFileSync(canaryPath, "utf8")).toBe(`${canaryText}\n`);
    expect(besideRoot()).toEqual(entriesBesideRoot);
    expect(readdirSync(outsideDir)).toEqual(["clip.mkv"]);

    const leaks = filesUnder(deployment.mediaRoot).filter((file) => {
      const bytes = readFileSync(file, "latin1");
      return bytes.includes(canaryText) || bytes.includes("root:x:0:0");
    });
    expect(leaks).toEqual([]);
    expect(filesUnder(deployment.mediaRoot).filter((file) => file.endsWith(".partial"))).toEqual([]);

    for (const id of jobIds) {
      const logs = (await (await deployment.request(`/jobs/${id}/logs`)).json()) as { logs: string[] };
      const text = logs.logs.join("\n");
      expect(text).not.toContain(canaryText);
      expect(text).not.toContain("root:x:0:0");
    }
    for (const status of ["queued", "in_progress"]) {
      const list = (await (await deployment.request(`/jobs?status=${status}`)).json()) as { jobs: Job[] };
      expect(list.jobs).toEqual([]);
    }
    expect(deployment.worker?.child.exitCode).toBeNull();
    expect((await deployment.request("/health")).status).toBe(200);
  });
});

describe("POST /convert fuzzed over HTTP against a real api process", () => {
  // Its own api without a worker: accepted jobs just wait, so the run stays fast.
  const apiOnly = new Deployment({ MAX_QUEUED_JOBS: "20", MAX_BODY_BYTES: "4096" });
  beforeAll(async () => {
    mkdirSync(path.join(apiOnly.mediaRoot, "incoming"));
    writeFileSync(path.join(apiOnly.mediaRoot, "incoming", "clip.mkv"), "the API does not decode");
    await apiOnly.startApi();
  });
  afterAll(() => apiOnly.destroy());

  it("answers near-valid bodies and odd headers within the contract, never 5xx, and stays healthy", async () => {
    await fc.assert(
      fc.asyncProperty(
        nearValidBody,
        fc.oneof({ arbitrary: fc.constant("application/json"), weight: 4 }, { arbitrary: contentTypes, weight: 1 }),
        fc.option(headerValue(200), { nil: undefined }),
        async (body, contentType, idempotencyKey) => {
          const headers: Record<string, string> = { "content-type": contentType };
          if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
          await expectContractAnswer(await apiOnly.convert(body, headers));
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 6000 }), contentTypes, async (bytes, contentType) => {
        const res = await apiOnly.request("/convert", {
          method: "POST",
          headers: { "content-type": contentType },
          body: bytes,
        });
        await expectContractAnswer(res);
      }),
      { seed: SEED, numRuns: 60 },
    );
    expect((await apiOnly.request("/health")).status).toBe(200);
    expect(apiOnly.api?.child.exitCode).toBeNull();
    expect(apiOnly.api?.output.join("\n")).not.toMatch(/"level":50|unhandled error/);
  });
});
