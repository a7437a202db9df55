import { type LevelWithSilent, type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * Paths pino must never print. Secrets live in config objects and headers;
 * redacting them here means a stray `log.info({ config })` cannot leak them.
 */
const REDACT_PATHS = [
  "apiKey",
  "config.apiKey",
  "*.apiKey",
  "req.headers['x-api-key']",
  "req.headers.authorization",
  "headers['x-api-key']",
  "headers.authorization",
  "redisUrl",
  "config.redisUrl",
];

export function createLogger(options: { name: string; level: LevelWithSilent }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { service: options.name, pid: process.pid },
  });
}

/** `redis://user:secret@host` → `redis://user:***@host`, for log lines and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "[unparseable url]";
  }
}
