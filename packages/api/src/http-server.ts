import { createServer } from "node:http";
import type { Socket } from "node:net";
import { AppError, type ErrorBody, type ErrorCode } from "@converter/shared/errors";
import type { Logger } from "@converter/shared/logger";
import { getRequestListener } from "@hono/node-server";
import type { HotReadLane } from "./hot-reads/hot-read-lane.js";

type FetchApp = { fetch: (request: Request) => Response | Promise<Response> };

/** Node's own refusals (llhttp parse errors, oversized headers, a request too slow to arrive) in our words. */
const CLIENT_ERRORS: Record<string, [ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: ["header_too_large", "the request's headers are larger than the server accepts (16 KiB)"],
  ERR_HTTP_REQUEST_TIMEOUT: ["request_timeout", "the request did not arrive in time"],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: ["payload_too_large", "the request's chunk extensions are too large"],
};

/**
 * Listens with @hono/node-server's request listener, as its `serve` does,
 * after the hot-read lane when there is one (ADR 0035): what the lane does
 * not take, Hono serves. Requests Node itself refuses before any route sees
 * them (a malformed request line, headers over Node's 16 KiB limit, a request
 * that never finished arriving) get the contract's error shape too, instead
 * of Node's bare status line.
 */
export function listen(
  app: FetchApp,
  options: { port: number; host: string; log: Logger; onListening: (port: number) => void; hotReads?: HotReadLane },
) {
  const viaHono = getRequestListener(app.fetch, { hostname: options.host });
  const hotReads = options.hotReads;
  // Node's default 5-minute limit on a whole request would cut off any large upload (ADR 0021);
  // headersTimeout still bounds a client that never finishes its headers.
  const server = createServer({ requestTimeout: 0 }, (incoming, outgoing) => {
    if (hotReads?.(incoming, outgoing)) return;
    void viaHono(incoming, outgoing);
  });
  server.listen(options.port, options.host, () => {
    const address = server.address();
    options.onListening(typeof address === "object" && address ? address.port : options.port);
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    options.log.debug({ err: error.code ?? error.message }, "request refused by the HTTP parser");
    answerClientError(error, socket);
  });
  return server;
}

/** Mirrors Node's own handler: answer only when no response of this socket has started, then close it. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const [code, message] = CLIENT_ERRORS[error.code ?? ""] ?? ["bad_request", "the request is not valid HTTP/1.1"];
    const status = new AppError(code, message).httpStatus;
    const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Bad Request"}\r\n` +
        "Content-Type: application/json\r\n" +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        "X-Content-Type-Options: nosniff\r\n" +
        "Connection: close\r\n\r\n" +
        body,
    );
  }
  socket.destroySoon();
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  413: "Payload Too Large",
  431: "Request Header Fields Too Large",
};
