import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppDeps } from "../deps.js";
import { PUBLIC_GET_PATHS } from "../http-paths.js";
import { type RequestTimer, requestTimer } from "../metrics/http-metrics.js";
import { secretsEqual } from "../middleware/api-key-auth.js";
import { logRequestLine, requestIdFor } from "../middleware/request-context.js";
import { hostPolicy } from "../middleware/request-origin.js";
import { JSON_POLICY, secureHeaderList } from "../middleware/security-headers.js";
import { serviceIdentity } from "../routes/meta.js";

/**
 * Serves one request below Hono and returns true, or returns false having
 * touched nothing, and Hono serves it.
 */
export type HotReadLane = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;

/** `/status/{job_id}` and `/jobs/{job_id}` with an id that needs no decoding; anything else is Hono's. */
const JOB_PATH = /^\/(status|jobs)\/([A-Za-z0-9_-]{1,128})$/;
/** The route patterns Hono's metrics would label these answers with. */
const JOB_ROUTES = { status: "/status/:job_id", jobs: "/jobs/:job_id" } as const;

/**
 * The reads clients repeat most, answered straight on Node's request and
 * response (ADR 0035): `GET /`, and a job's view by `GET /status/{job_id}`
 * or `GET /jobs/{job_id}`. Through Hono, the request id, the security
 * headers, the timing histogram and the host check cost about twice the read
 * itself; here they are done once, with the same functions the middlewares
 * use, and the answer's bytes are those Hono would send (hot-read-lane.test.ts
 * compares them, header by header).
 *
 * Only the plain, successful case is taken: a 200 the middlewares would let
 * through untouched. Whatever else (another method or path, a query string,
 * an encoded id, a Host the origin policy refuses, a missing or wrong
 * X-API-Key, a session cookie, an unknown job, an error while reading) is
 * left to Hono, which answers it as it always has.
 */
export async function hotReadLane(deps: Pick<AppDeps, "config" | "version" | "log" | "jobs" | "metrics">) {
  const answered = hostPolicy(deps.config);
  const apiKey = deps.config.apiKey;
  const timed: RequestTimer | undefined = deps.metrics ? requestTimer(deps.metrics.http) : undefined;
  // In the order Hono's path writes them after X-Request-Id: secureHeaders', the JSON policy, the type.
  const jsonHeaders = [
    ...(await secureHeaderList()).flat(),
    "Content-Security-Policy",
    JSON_POLICY,
    "Content-Type",
    "application/json",
  ];
  const rootBody = JSON.stringify(serviceIdentity(deps.version));
  const rootIsPublic = PUBLIC_GET_PATHS.has("/");

  /** The body and route pattern of a 200 this lane may send, or undefined. */
  const answer = (path: string, headers: IncomingMessage["headers"]): [string, string] | undefined => {
    if (path === "/") return rootIsPublic || keyAccepted(headers) ? [rootBody, "/"] : undefined;
    const match = JOB_PATH.exec(path);
    if (!match || !keyAccepted(headers)) return undefined;
    const job = deps.jobs.viewJson(match[2] as string);
    return job === undefined ? undefined : [job, JOB_ROUTES[match[1] as keyof typeof JOB_ROUTES]];
  };
  /** X-API-Key alone: a session cookie is the middleware's (it also extends the session). */
  const keyAccepted = (headers: IncomingMessage["headers"]): boolean => {
    if (!apiKey) return true;
    const given = headers["x-api-key"];
    return typeof given === "string" && headers.cookie === undefined && secretsEqual(given, apiKey);
  };

  const lane: HotReadLane = (incoming, outgoing) => {
    const path = incoming.url;
    if (incoming.method !== "GET" || path === undefined) return false;
    const headers = incoming.headers;
    if (headers.host !== undefined && !answered(headers.host)) return false;
    const started = performance.now();
    let found: [string, string] | undefined;
    try {
      found = answer(path, headers);
    } catch (error) {
      // Hono reads it again and answers as its error handler does; logged there.
      deps.log.debug({ err: (error as Error).message, path }, "hot read failed; Hono answers");
      return false;
    }
    if (!found) return false;
    const [body, route] = found;
    const requestId = requestIdFor(headers["x-request-id"] as string | undefined);
    outgoing.writeHead(200, [
      "X-Request-Id",
      requestId,
      ...jsonHeaders,
      "Content-Length",
      String(Buffer.byteLength(body)),
    ]);
    outgoing.end(body);
    timed?.("GET", route, 200, started);
    logRequestLine(deps.log, requestId, "GET", path, 200, started);
    return true;
  };
  return lane;
}
