import { createHmac, timingSafeEqual } from "node:crypto";

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export const SIGNATURE_HEADER = "X-Converter-Signature";

/** Receivers should refuse signatures older than this (replays). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

/**
 * The X-Converter-Signature value for `body` sent at `timestamp` (Unix
 * seconds). The timestamp is signed with the body so a captured delivery
 * cannot be replayed later under a fresh timestamp.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/**
 * Checks a received X-Converter-Signature against the raw body bytes (as
 * received, before any JSON parsing). Several `v1=` entries are accepted so a
 * sender may sign with an old and a new secret while rotating. Compares in
 * constant time; refuses timestamps further than `toleranceSeconds` from now.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && value) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), "utf8");
  // Every candidate is compared, so timing says nothing about which one matched.
  let matched = false;
  for (const signature of signatures) {
    const given = Buffer.from(signature, "utf8");
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  return matched;
}
