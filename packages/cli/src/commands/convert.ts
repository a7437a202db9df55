import { createWriteStream, openAsBlob } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { type ConverterClient, type ConvertRequest, unwrap } from "@converter/client";
import { type CommandContext, print, UsageError } from "../cli-context.js";
import { describeResult, formatBytes } from "../format.js";
import { progressLine } from "../progress-bar.js";
import { waitForJob } from "../wait-for-job.js";

export const convertOptions = {
  preset: { type: "string" },
  output: { type: "string" },
  out: { type: "string", short: "o" },
  wait: { type: "boolean", short: "w" },
  remote: { type: "boolean" },
  "stream-copy": { type: "string" },
  option: { type: "string", multiple: true },
  overwrite: { type: "boolean" },
  priority: { type: "string" },
} as const;

/** `converter convert <file>`: upload (or name a media-root path), submit, and with --wait follow and download. */
export async function convert(ctx: CommandContext): Promise<number> {
  const [file] = ctx.positionals;
  if (!file || ctx.positionals.length > 1) throw new UsageError("convert takes one <file>");
  const { values, client, io } = ctx;
  const input = await inputPath(ctx, file);
  const request: ConvertRequest = { input, ...submitFields(values) };
  const submitted = await unwrap(client.POST("/convert", { body: request }));
  if (!values.wait && !values.out) {
    print(ctx, submitted, (job) => `queued ${job.job_id}: ${job.input} → ${job.output}`);
    return 0;
  }
  if (!ctx.json) io.err(`queued ${submitted.job_id}: ${submitted.input} → ${submitted.output}`);
  let drawn = "";
  const job = await waitForJob(client, submitted.job_id, (update) => {
    const line = progressLine(update);
    if (io.errIsTty && line !== drawn) io.err(`\r\x1b[2K${line}`, false);
    drawn = line;
  });
  if (io.errIsTty) io.err("\r\x1b[2K", false);
  if (job.status !== "completed") {
    print(ctx, job, (j) => `${j.status} ${j.job_id}`);
    io.err(`error: ${job.error?.code ?? job.status}: ${job.error?.message ?? `the job ended ${job.status}`}`);
    return 1;
  }
  const out = typeof values.out === "string" ? values.out : undefined;
  if (out) await download(client, job.job_id, out);
  print(ctx, { ...job, ...(out ? { saved_to: path.resolve(out) } : {}) }, (j) =>
    [`completed ${j.job_id}: ${describeResult(j)}`, ...(out ? [`saved ${out}`] : [])].join("\n"),
  );
  return 0;
}

/** A local file is uploaded first; anything else (or --remote) is a path under the server's MEDIA_ROOT. */
async function inputPath(ctx: CommandContext, file: string): Promise<string> {
  const local = ctx.values.remote ? undefined : await stat(file).catch(() => undefined);
  if (!local?.isFile()) return file;
  if (!ctx.json) ctx.io.err(`uploading ${file} (${formatBytes(local.size)})`);
  const blob = await openAsBlob(file);
  const upload = await unwrap(
    ctx.client.POST("/uploads", {
      params: { query: { filename: path.basename(file) } },
      // The file streams from disk; openapi-fetch sends the body as given.
      body: "",
      bodySerializer: () => blob,
      headers: { "Content-Type": "application/octet-stream" },
    }),
  );
  return upload.path;
}

function submitFields(values: CommandContext["values"]): Omit<ConvertRequest, "input"> {
  const fields: Omit<ConvertRequest, "input"> = {};
  if (typeof values.preset === "string") fields.preset = values.preset;
  if (typeof values.output === "string") fields.output = values.output;
  if (values.overwrite) fields.overwrite = true;
  if (typeof values.priority === "string") fields.priority = Number(values.priority);
  const streamCopy = values["stream-copy"];
  if (streamCopy !== undefined) {
    if (streamCopy !== "auto" && streamCopy !== "never") throw new UsageError("--stream-copy is auto or never");
    fields.stream_copy = streamCopy;
  }
  const options = Array.isArray(values.option) ? values.option : [];
  if (options.length > 0) fields.options = Object.fromEntries(options.map(parseOption));
  return fields;
}

/** `crf=23` → ["crf", 23]; `audio_bitrate=128k` → ["audio_bitrate", "128k"]. */
function parseOption(text: string): [string, unknown] {
  const at = text.indexOf("=");
  if (at < 1) throw new UsageError(`--option ${text}: expected name=value, e.g. crf=23`);
  const raw = text.slice(at + 1);
  const value = raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  return [text.slice(0, at), value];
}

/** The output, to a temporary name beside `out` first: a broken download leaves no half file under its name. */
async function download(client: ConverterClient, jobId: string, out: string): Promise<void> {
  const body = await unwrap(
    client.GET("/jobs/{job_id}/output", { params: { path: { job_id: jobId } }, parseAs: "stream" }),
  );
  if (!body) throw new Error("the output download had no body");
  const partial = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.partial`);
  try {
    await pipeline(Readable.fromWeb(body as WebReadableStream), createWriteStream(partial));
    await rename(partial, out);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
