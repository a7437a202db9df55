import { z } from "zod";
import { DEFAULT_QUEUE_NAME } from "../queue/queue-keys.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** An integer env var: "  8000 " is fine, "8k" and "1.5" are not. */
export const intVar = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().int().min(min).max(max));

/** A boolean env var: true/false, 1/0, yes/no (any case). */
export const boolVar = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => ["true", "false", "1", "0", "yes", "no"].includes(value), "must be true or false")
  .transform((value) => value === "true" || value === "1" || value === "yes");

export const redisUrlVar = z
  .string()
  .trim()
  .refine((value) => /^rediss?:\/\//.test(value) && URL.canParse(value), "must be a redis:// or rediss:// URL");

export const DEFAULT_MAX_INPUT_BYTES = 20 * 1024 ** 3;

/** Variables both the API and the workers read, with the same meaning and default. */
export const SHARED_ENV = {
  REDIS_URL: redisUrlVar.default("redis://127.0.0.1:6379"),
  QUEUE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '-' or '_'")
    .default(DEFAULT_QUEUE_NAME),
  MEDIA_ROOT: z.string().default("./media"),
  FFMPEG_PATH: z.string().default("ffmpeg"),
  /** The worker probes every input and output; the API probes for POST /probe and the stream-copy check. */
  FFPROBE_PATH: z.string().default("ffprobe"),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  /** Checked by the API at submit, and by workers again before ffmpeg runs. */
  MAX_INPUT_BYTES: intVar(1, Number.MAX_SAFE_INTEGER).default(DEFAULT_MAX_INPUT_BYTES),
};

/** Empty strings count as unset, as in most .env tooling. */
export function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== "") out[key] = value;
  }
  return out;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Parses env against a schema whose keys are the variable names, so the first
 * problem names the variable: "Invalid configuration: PORT must be ...".
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const parsed = schema.safeParse(withoutEmpty(env));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(env)"} ${issue.message}`);
  throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
}

/**
 * For main.ts: the parsed config, or one clear line on stderr and exit status
 * 78 (EX_CONFIG) when a variable is invalid.
 */
export function loadConfigOrExit<T>(load: (env: Record<string, string | undefined>) => T): T {
  try {
    return load(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
}
