import type { Redis } from "ioredis";

export type EvictionPolicyCheck =
  | { ok: true; policy: string }
  | { ok: false; policy: string; message: string }
  /** CONFIG is disabled or renamed (managed Redis): the policy cannot be read, only trusted. */
  | { ok: "unknown"; message: string };

/**
 * BullMQ keeps jobs and their locks in Redis keys; under any eviction policy
 * but noeviction, Redis under memory pressure silently deletes them, and jobs
 * vanish or run twice. BullMQ's production guide requires noeviction.
 */
export async function checkEvictionPolicy(redis: Redis): Promise<EvictionPolicyCheck> {
  let reply: unknown;
  try {
    reply = await redis.config("GET", "maxmemory-policy");
  } catch (error) {
    return {
      ok: "unknown",
      message: `could not read maxmemory-policy (${(error as Error).message}); make sure it is noeviction`,
    };
  }
  const policy = Array.isArray(reply) && typeof reply[1] === "string" ? reply[1] : undefined;
  if (policy === undefined) return { ok: "unknown", message: "Redis did not report maxmemory-policy" };
  if (policy === "noeviction") return { ok: true, policy };
  return {
    ok: false,
    policy,
    message:
      `Redis maxmemory-policy is ${policy}; it must be noeviction, or Redis may delete queued jobs and their ` +
      "locks under memory pressure (set maxmemory-policy noeviction in redis.conf or with CONFIG SET)",
  };
}
