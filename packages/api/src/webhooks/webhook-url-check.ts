import { AppError } from "@converter/shared/errors";
import { withTimeout } from "../with-timeout.js";
import { checkTarget, hostOf, type Resolver, systemResolver } from "./resolve-target.js";

/** A submitted webhook_url's problem, or undefined when it may be used. */
export type WebhookUrlCheck = (url: string) => Promise<AppError | undefined>;

/** A submission should not hang on a slow DNS server. */
const SUBMIT_LOOKUP_TIMEOUT_MS = 5000;

const refuse = (message: string) =>
  new AppError("validation_failed", `webhook_url: ${message}`, { field: "webhook_url" });

/**
 * The submit-time half of the SSRF rules (the connect-time half is
 * guardedLookup): a client learns at once that its webhook could never be
 * delivered, instead of finding a failed delivery after the job.
 */
export function createWebhookUrlCheck(options: {
  secret: string | undefined;
  allowPrivate: boolean;
  resolve?: Resolver;
  lookupTimeoutMs?: number;
}): WebhookUrlCheck {
  const resolve = options.resolve ?? systemResolver;
  const timeoutMs = options.lookupTimeoutMs ?? SUBMIT_LOOKUP_TIMEOUT_MS;
  return async (url) => {
    if (!options.secret) return refuse("webhooks need WEBHOOK_SECRET on the server");
    if (options.allowPrivate) return undefined;
    const host = hostOf(new URL(url));
    let check: Awaited<ReturnType<typeof checkTarget>>;
    try {
      check = await withTimeout(checkTarget(host, false, resolve), timeoutMs, "lookup");
    } catch {
      return refuse(`the host ${host} did not resolve in time`);
    }
    if (check.ok) return undefined;
    if (check.kind === "unresolvable") return refuse(`the host ${host} does not resolve (${check.code})`);
    const where = check.address === host ? host : `${host} resolves to ${check.address}, which`;
    return refuse(`${where} is a ${check.reason} address; webhooks may only reach public addresses`);
  };
}
