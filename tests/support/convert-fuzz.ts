import fc from "fast-check";
import { expect } from "vitest";

/**
 * What fuzzing of POST /convert sends and expects, shared by the in-process
 * run (packages/api/src/convert-fuzz.test.ts) and the over-HTTP run against
 * a real api process (tests/e2e/hostile.e2e.test.ts).
 */
export const CONTRACT_STATUSES = [200, 202, 400, 401, 404, 409, 413, 415, 422, 429, 503];
export const SEED = 20_241_125;

/** Checks one answer against the contract (and the known error codes, when given); returns the status. */
export async function expectContractAnswer(
  res: Response,
  errorCodes: readonly string[] | undefined = undefined,
): Promise<number> {
  expect(CONTRACT_STATUSES).toContain(res.status);
  expect(res.status).toBeLessThan(500);
  const text = await res.text();
  if (res.status >= 400) {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    expect(body.error?.code).toMatch(/^[a-z_]+$/);
    if (errorCodes) expect(errorCodes).toContain(body.error?.code);
    expect(typeof body.error?.message).toBe("string");
    expect(String(body.error?.message).length).toBeGreaterThan(0);
  }
  return res.status;
}

/** Mostly the well-formed value, sometimes the mutated one: enough bodies get deep into the handler. */
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: bad, weight: 1 });

/** Paths a stranger might send: hostile spellings and noise. */
export const hostilePath = fc.oneof(
  fc.constantFrom(
    "../etc/passwd",
    "/etc/passwd",
    "incoming/../../etc/passwd",
    "concat:incoming/clip.mkv|/etc/passwd",
    "subfile:,,start,0,end,0,,:/etc/passwd",
    "data:text/plain;base64,cm9vdDp4OjA6MA==",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "unix:/var/run/redis.sock",
    "file:///etc/passwd",
    "http://127.0.0.1:1/x.m3u8",
    "incoming/clip.mkv\u0000.mp4",
    "incoming/\nclip.mkv",
    "-y",
    "incoming/ünï cødé.mkv",
    "C:\\Windows\\win.ini",
    "\\\\server\\share\\a.mkv",
    ".",
    "incoming/",
    "incoming/missing.mkv",
    "a".repeat(300),
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
);

/** Any JSON-ish value, for a field that expects something else. */
export const junk = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

const badBitrate = fc.oneof(
  fc.constantFrom("4 M", "-4M", "4M-", "1e6", "0", "0k", "4MB", " 4M", "4M\n", "4,000k", "-b:v 1M"),
  fc.string({ maxLength: 10 }),
  junk,
);
const bitrate = mostly(fc.constantFrom("128k", "4M", "2500000", "0.5M"), badBitrate);

const optionFields = {
  container: mostly(fc.constantFrom("mp4", "mkv", "mov"), fc.oneof(fc.constantFrom("hls", "image2", "concat"), junk)),
  video_codec: mostly(
    fc.constantFrom("h264", "hevc", "copy"),
    fc.oneof(fc.constantFrom("h264 -vf movie=/etc/passwd", "libx264", "rawvideo", "h264\u0000"), junk),
  ),
  audio_codec: mostly(fc.constantFrom("aac", "copy", "none"), fc.oneof(fc.constantFrom("aac;ls", "pcm_s16le"), junk)),
  crf: mostly(fc.integer({ min: 0, max: 51 }), fc.oneof(fc.integer({ min: -5, max: 70 }), fc.double(), junk)),
  video_bitrate: bitrate,
  audio_bitrate: bitrate,
  width: mostly(fc.integer({ min: 16, max: 7680 }), fc.oneof(fc.integer({ min: -10, max: 100_000 }), junk)),
  height: mostly(fc.integer({ min: 16, max: 4320 }), fc.oneof(fc.integer({ min: -10, max: 100_000 }), junk)),
  fps: mostly(fc.integer({ min: 1, max: 240 }), fc.oneof(fc.double({ min: -1, max: 1000, noNaN: true }), junk)),
  start: mostly(fc.integer({ min: 0, max: 100 }), fc.oneof(fc.double({ min: -1, max: 1e9, noNaN: true }), junk)),
  duration: mostly(fc.integer({ min: 1, max: 100 }), fc.oneof(fc.double({ min: -1, max: 1e9, noNaN: true }), junk)),
  hardware: mostly(fc.constantFrom("auto", "cpu"), fc.oneof(fc.constant("tpu"), junk)),
};

/** An optional field: left out about half the time. */
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

/**
 * Bodies close to valid: each field present or not, mostly valid, sometimes
 * mutated, now and then with an unknown field.
 */
export const nearValidBody = fc
  .record({
    input: mostly(fc.constant("incoming/clip.mkv"), fc.oneof(hostilePath, junk)),
    output: maybe(
      mostly(
        fc.stringMatching(/^[a-z]{1,6}$/).map((name) => `converted/${name}.mp4`),
        fc.oneof(hostilePath, junk),
      ),
    ),
    preset: maybe(mostly(fc.constantFrom("h264", "h264-720p", "hevc"), fc.oneof(fc.constant("nope"), junk))),
    options: maybe(mostly(fc.record(optionFields, { requiredKeys: [] }), junk)),
    overwrite: maybe(mostly(fc.boolean(), junk)),
    priority: maybe(mostly(fc.integer({ min: 1, max: 10 }), fc.oneof(fc.integer({ min: -2, max: 12 }), junk))),
    webhook_url: maybe(
      mostly(
        fc.constant("https://example.invalid/hook"),
        fc.oneof(fc.constantFrom("gopher://127.0.0.1:6379/_", "file:///etc/passwd", "javascript:x"), junk),
      ),
    ),
    extra: fc.oneof({ arbitrary: fc.constant(undefined), weight: 12 }, { arbitrary: junk, weight: 1 }),
  })
  .map((body) => Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)));

export const contentTypes = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json;charset=latin1",
  "application/merge-patch+json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "",
);

/** Header values fetch accepts: visible ASCII and spaces, no CR/LF. */
export const headerValue = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
