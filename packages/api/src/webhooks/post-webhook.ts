import http from "node:http";
import https from "node:https";
import { BlockedAddressError, checkTarget, guardedLookup, hostOf, type Resolver } from "./resolve-target.js";

export type DeliveryOutcome =
  | { ok: true; statusCode: number }
  /** `permanent`: retrying cannot help (the address is refused). */
  | { ok: false; statusCode: number | null; error: string; permanent: boolean };

/** The receiver's answer is not ours to keep: read this much of it at most, then hang up. */
const MAX_RESPONSE_BYTES = 4096;

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by the receiver",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host does not resolve",
  EAI_AGAIN: "host lookup failed temporarily",
  ENODATA: "host has no address",
  EPIPE: "connection closed by the receiver",
  ETIMEDOUT: "connection timed out",
};

/**
 * A short, fixed description of a network error: the error's own message
 * may echo details of the receiver, so only its code goes into the job.
 */
function describeError(error: NodeJS.ErrnoException): { text: string; permanent: boolean } {
  if (error instanceof BlockedAddressError) {
    return { text: `refused: ${error.address} is a ${error.reason} address`, permanent: true };
  }
  const code = error.code ?? "";
  const known = NETWORK_ERRORS[code];
  if (known) return { text: `${known} (${code})`, permanent: false };
  if (/^(ERR_TLS|CERT_|DEPTH_|UNABLE_TO|SELF_SIGNED|ERR_SSL)/.test(code)) {
    return { text: `TLS error (${code})`, permanent: false };
  }
  return { text: code ? `network error (${code})` : "network error", permanent: false };
}

function describeStatus(statusCode: number): string {
  if (statusCode >= 300 && statusCode < 400) return `redirect not followed (HTTP ${statusCode})`;
  return `HTTP ${statusCode}`;
}

/**
 * One POST of a webhook. Never follows redirects, never reads more than a
 * few KB of the answer, and gives up after `timeoutMs` counted from before
 * the DNS lookup to the response headers. Addresses are checked where the
 * socket connects (guardedLookup), so what was checked is what is reached.
 *
 * One function on purpose: a request, its timer and its response race to
 * settle one outcome exactly once, and that guard is easiest to trust when
 * every path to it is in view.
 */
export async function postWebhook(request: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  resolve: Resolver;
}): Promise<DeliveryOutcome> {
  const url = new URL(request.url);
  const host = hostOf(url);
  // node:net skips `lookup` for an IP literal: check literals (and names refused
  // without a lookup) here; a resolver answering nothing leaves the rest to guardedLookup.
  const literal = await checkTarget(host, request.allowPrivate, async () => []);
  if (!literal.ok && literal.kind === "blocked") {
    return {
      ok: false,
      statusCode: null,
      permanent: true,
      error: describeError(new BlockedAddressError(literal.address, literal.reason)).text,
    };
  }
  const transport = url.protocol === "https:" ? https : http;
  return new Promise<DeliveryOutcome>((resolve) => {
    let settled = false;
    let timedOut = false;
    const finish = (outcome: DeliveryOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const req = transport.request(
      {
        method: "POST",
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
        headers: { ...request.headers, "Content-Length": String(Buffer.byteLength(request.body)) },
        // A fresh connection per delivery: a pooled socket would skip the address check.
        agent: false,
        lookup: guardedLookup(request.allowPrivate, request.resolve),
      },
      (res) => {
        const statusCode = res.statusCode ?? 0;
        let read = 0;
        res.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        res.on("error", () => undefined);
        res.on("close", () => clearTimeout(timer));
        if (statusCode >= 200 && statusCode < 300) finish({ ok: true, statusCode });
        else finish({ ok: false, statusCode, permanent: false, error: describeStatus(statusCode) });
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
    }, request.timeoutMs);
    req.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (timedOut) {
        finish({ ok: false, statusCode: null, permanent: false, error: `timed out after ${request.timeoutMs} ms` });
        return;
      }
      const { text, permanent } = describeError(error);
      finish({ ok: false, statusCode: null, permanent, error: text });
    });
    req.on("close", () => {
      if (timedOut)
        finish({ ok: false, statusCode: null, permanent: false, error: `timed out after ${request.timeoutMs} ms` });
    });
    req.end(request.body);
  });
}
