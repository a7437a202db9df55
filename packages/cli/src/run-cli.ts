import { parseArgs } from "node:util";
import { ConverterApiError, createConverterClient } from "@converter/client";
import { type CommandContext, type Io, UsageError } from "./cli-context.js";
import { convert, convertOptions } from "./commands/convert.js";
import { health, presets } from "./commands/info-commands.js";
import { cancel, jobs, jobsOptions, retry, status } from "./commands/job-commands.js";
import { COMMAND_HELP, MAIN_HELP } from "./help.js";

type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;
type Command = { options: OptionSpec; run: (ctx: CommandContext) => Promise<number> };

const COMMANDS: Record<string, Command> = {
  convert: { options: convertOptions, run: convert },
  jobs: { options: jobsOptions, run: jobs },
  status: { options: {}, run: status },
  cancel: { options: {}, run: cancel },
  retry: { options: {}, run: retry },
  presets: { options: {}, run: presets },
  health: { options: {}, run: health },
};

const GLOBAL_OPTIONS = {
  url: { type: "string" },
  "api-key": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export type CliEnv = { CONVERTER_URL?: string | undefined; CONVERTER_API_KEY?: string | undefined };

/** Runs one command line; returns the exit status. All I/O goes through `io` and the network. */
export async function runCli(argv: string[], env: CliEnv, io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" ? rest[0] : undefined;
    io.out(topic && COMMAND_HELP[topic] ? COMMAND_HELP[topic] : MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  const json = rest.includes("--json");
  try {
    if (!command) throw new UsageError(`unknown command ${name}`);
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.out(COMMAND_HELP[name] ?? MAIN_HELP);
      return 0;
    }
    const baseUrl = stringOr(values.url, env.CONVERTER_URL) ?? "http://127.0.0.1:8000";
    const apiKey = stringOr(values["api-key"], env.CONVERTER_API_KEY);
    const client = createConverterClient(baseUrl, apiKey);
    return await command.run({ client, baseUrl, values, positionals, json: values.json === true, io });
  } catch (error) {
    return reportFailure(error, { name, json, io, url: env.CONVERTER_URL });
  }
}

function stringOr(flag: unknown, fallback: string | undefined): string | undefined {
  return typeof flag === "string" && flag !== "" ? flag : fallback || undefined;
}

function reportFailure(error: unknown, at: { name: string; json: boolean; io: Io; url: string | undefined }): number {
  if (error instanceof UsageError || (error instanceof TypeError && "code" in error && isArgError(error.code))) {
    at.io.err(`error: ${error.message}\nrun "converter ${COMMANDS[at.name] ? `${at.name} ` : ""}--help"`);
    return 2;
  }
  const failure =
    error instanceof ConverterApiError
      ? { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) }
      : error instanceof TypeError && error.message === "fetch failed"
        ? { code: "connection_failed", message: `cannot reach the service: ${causeOf(error)}` }
        : { code: "client_error", message: error instanceof Error ? error.message : String(error) };
  if (at.json) at.io.out(JSON.stringify({ error: failure }, null, 2));
  at.io.err(`error: ${failure.code}: ${failure.message}`);
  return 1;
}

const isArgError = (code: unknown) => typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");

function causeOf(error: Error): string {
  const cause = error.cause;
  return cause instanceof Error ? cause.message : String(cause ?? error.message);
}
