import { type paths, unwrap } from "@converter/client";
import { type CommandContext, print, UsageError } from "../cli-context.js";
import { table } from "../format.js";

function noArguments(ctx: CommandContext, command: string): void {
  if (ctx.positionals.length > 0) throw new UsageError(`${command} takes no arguments`);
}

/** `converter presets`: the catalogue `--preset` picks from. */
export async function presets(ctx: CommandContext): Promise<number> {
  noArguments(ctx, "presets");
  const { presets } = await unwrap(ctx.client.GET("/presets"));
  print(ctx, presets, (list) =>
    table(
      [["PRESET", "CONTAINER", "VIDEO", "AUDIO", "DESCRIPTION"]].concat(
        list.map((p) => [p.name, p.container, p.video_codec, p.audio_codec, p.description]),
      ),
    ),
  );
  return 0;
}

type Health = paths["/health"]["get"]["responses"][200]["content"]["application/json"];

/** `converter health`: exit 0 when the service can convert, 1 when it says it cannot (503). */
export async function health(ctx: CommandContext): Promise<number> {
  noArguments(ctx, "health");
  const answer = await ctx.client.GET("/health");
  // 503 carries the same report saying what is wrong (the document's 503 schema); anything else is an error answer.
  const report = answer.response.status === 503 ? (answer.error as Health) : await unwrap(Promise.resolve(answer));
  print(ctx, report, (r) =>
    [
      `status    ${r.status} (version ${r.version})`,
      `redis     ${r.redis}`,
      `ffmpeg    ${r.ffmpeg.version ?? "not runnable"}`,
      `queue     ${r.queue ? `${r.queue.waiting} waiting, ${r.queue.active} active` : "unknown"}`,
      `workers   ${r.workers.map((w) => w.name).join(", ") || "none"}`,
      ...r.problems.map((p) => `problem   ${p}`),
      ...r.warnings.map((w) => `warning   ${w}`),
    ].join("\n"),
  );
  if (report.status !== "ok" && !ctx.json) ctx.io.err("error: unavailable: the service reports problems");
  return report.status === "ok" ? 0 : 1;
}
