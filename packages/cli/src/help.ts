/** The --help texts: one for the whole tool, one per command. */

const CONNECTION = `Connection:
  --url <url>         the API (default: $CONVERTER_URL, else http://127.0.0.1:8000)
  --api-key <key>     the server's API_KEY (default: $CONVERTER_API_KEY)
  --json              machine output: JSON on stdout, nothing else there
  -h, --help          this help`;

export const MAIN_HELP = `converter: convert video with an FFmpeg Converter service

Usage: converter <command> [options]

Commands:
  convert <file>      upload a file (or name a path under the server's MEDIA_ROOT) and convert it
  jobs                list jobs, newest first
  status <job_id>     a job's status, progress and result
  cancel <job_id>     cancel a queued or running job
  retry <job_id>      run a failed or cancelled job again
  presets             the presets --preset takes
  health              whether the service can convert (exit 1 when it cannot)

${CONNECTION}

Exit status: 0 done, 1 the service or the job failed (the error code is printed), 2 a bad command line.
Run "converter <command> --help" for a command's options.`;

export const COMMAND_HELP: Record<string, string> = {
  convert: `Usage: converter convert <file> [options]

<file> is uploaded when it is a local file; otherwise (or with --remote) it is a
path under the server's MEDIA_ROOT. Without --wait or --out the job id is
printed and the command returns at once.

Options:
  --preset <name>          a preset from "converter presets" (server default: h264)
  --output <path>          where the server writes it, under MEDIA_ROOT (default: converted/<name>.<ext>)
  --option <name=value>    override one preset field, e.g. --option crf=28 --option height=480 (repeatable)
  --stream-copy <mode>     auto (copy streams that need no re-encode, the default) or never
  --overwrite              replace an existing output
  --priority <1-10>        queue priority
  --remote                 <file> is a MEDIA_ROOT path even if a local file has that name
  -w, --wait               follow the job with a progress bar (on a terminal) until it ends
  -o, --out <file>         download the result to <file> (implies --wait)

${CONNECTION}`,
  jobs: `Usage: converter jobs [--status <status>] [--limit <n>] [--cursor <cursor>]

Options:
  --status <status>   queued, in_progress, completed, failed or cancelled
  --limit <n>         jobs per page, 1-100 (default 20)
  --cursor <cursor>   the next page, as the previous one printed

${CONNECTION}`,
  status: `Usage: converter status <job_id>\n\n${CONNECTION}`,
  cancel: `Usage: converter cancel <job_id>\n\nA queued job never runs; a running one is stopped.\n\n${CONNECTION}`,
  retry: `Usage: converter retry <job_id>\n\nRuns a failed or cancelled job again, same id and options.\n\n${CONNECTION}`,
  presets: `Usage: converter presets\n\n${CONNECTION}`,
  health: `Usage: converter health\n\nExit status 0 when the service can convert, 1 when it reports problems.\n\n${CONNECTION}`,
};
