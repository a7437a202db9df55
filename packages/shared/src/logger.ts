import { type DestinationStream, type LevelWithSilent, type Logger, pino } from "pino";

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

/** A pino logger with the project's fields; `destination` (stdout when left out) lets a test read its lines. */
export function createLogger(options: {
  name: string;
  level: LevelWithSilent;
  destination?: DestinationStream;
}): Logger {
  const settings = {
    name: options.name,
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { service: options.name, pid: process.pid },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
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

/**
 * A warning for errors that repeat on every reconnect attempt (Redis down):
 * the first one is logged, then at most one per interval with a count.
 */
export function throttledWarning(log: Logger, message: string, intervalMs = 30_000): (error: Error) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error) => {
    const now = Date.now();
    if (now - lastAt < intervalMs) {
      suppressed += 1;
      return;
    }
    log.warn({ err: error.message, repeats: suppressed }, message);
    lastAt = now;
    suppressed = 0;
  };
}
