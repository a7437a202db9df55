import type { ConverterClient } from "@converter/client";

/** Where a command writes: results to stdout, progress and errors to stderr. */
export type Io = {
  out: (text: string) => void;
  /** A line on stderr; `newline: false` for a progress line redrawn in place. */
  err: (text: string, newline?: boolean) => void;
  /** Whether stderr is a terminal: the progress bar is drawn only there. */
  errIsTty: boolean;
};

/** What every command gets: its parsed options and positionals, the client, where to write. */
export type CommandContext = {
  client: ConverterClient;
  baseUrl: string;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  json: boolean;
  io: Io;
};

/** A command line that makes no sense: exit status 2, with a pointer to --help. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Prints data as JSON (--json) or as the human lines `human` makes of it. */
export function print<T>(ctx: CommandContext, data: T, human: (data: T) => string): void {
  ctx.io.out(ctx.json ? JSON.stringify(data, null, 2) : human(data));
}
