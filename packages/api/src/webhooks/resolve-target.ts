import type { LookupAddress } from "node:dns";
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { type BlockedReason, classifyAddress, isBlockedHostName } from "./address-policy.js";

/** Host name → its addresses; tests inject one to play DNS tricks. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true });

export type TargetCheck =
  | { ok: true; addresses: LookupAddress[] }
  | { ok: false; kind: "blocked"; address: string; reason: BlockedReason }
  | { ok: false; kind: "unresolvable"; code: string };

/** A URL's host as node:net takes it: IPv6 without its brackets. */
export function hostOf(url: URL): string {
  const host = url.hostname;
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/**
 * Where a webhook to `host` would connect, refused as a whole when any
 * address is not public: a name that also resolves to 127.0.0.1 could be
 * connected there by the happy-eyeballs race.
 */
export async function checkTarget(host: string, allowPrivate: boolean, resolve: Resolver): Promise<TargetCheck> {
  const family = isIP(host);
  if (family !== 0) {
    const verdict = classifyAddress(host);
    if (verdict.blocked && !allowPrivate) return { ok: false, kind: "blocked", address: host, reason: verdict.reason };
    return { ok: true, addresses: [{ address: host, family }] };
  }
  if (!allowPrivate && isBlockedHostName(host)) {
    return { ok: false, kind: "blocked", address: host, reason: "metadata" };
  }
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    return { ok: false, kind: "unresolvable", code: (error as NodeJS.ErrnoException).code ?? "ENOTFOUND" };
  }
  if (addresses.length === 0) return { ok: false, kind: "unresolvable", code: "ENODATA" };
  if (!allowPrivate) {
    for (const { address } of addresses) {
      const verdict = classifyAddress(address);
      if (verdict.blocked) return { ok: false, kind: "blocked", address, reason: verdict.reason };
    }
  }
  return { ok: true, addresses };
}

/** A connection refused before it was made: the address is not public. */
export class BlockedAddressError extends Error {
  override readonly name = "BlockedAddressError";
  readonly code = "EWEBHOOKBLOCKED";
  constructor(
    readonly address: string,
    readonly reason: BlockedReason,
  ) {
    super(`${address} is a ${reason} address`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:net that resolves, classifies and only then lets the
 * socket connect, to the very addresses it checked: the name cannot
 * re-resolve to 127.0.0.1 between the check and the connect (DNS rebinding).
 */
export function guardedLookup(allowPrivate: boolean, resolve: Resolver) {
  return (hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback) => {
    checkTarget(hostname, allowPrivate, resolve).then(
      (check) => {
        if (!check.ok) {
          const error: NodeJS.ErrnoException =
            check.kind === "blocked"
              ? new BlockedAddressError(check.address, check.reason)
              : Object.assign(new Error(`${hostname} does not resolve`), { code: check.code });
          callback(error, "");
          return;
        }
        const wanted = options.family === 6 || options.family === "IPv6" ? 6 : options.family === 4 ? 4 : 0;
        const usable = wanted ? check.addresses.filter((a) => a.family === wanted) : check.addresses;
        const first = usable[0];
        if (!first) {
          callback(Object.assign(new Error(`${hostname} has no IPv${wanted} address`), { code: "ENOTFOUND" }), "");
          return;
        }
        if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ""),
    );
  };
}
