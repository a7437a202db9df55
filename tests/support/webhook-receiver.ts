import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Received = {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The raw body as received: what a signature is checked against. */
  body: string;
  at: number;
};

/** What the receiver does with the n-th request (0-based); it must answer `res` itself or leave it hanging. */
export type Script = (n: number, req: IncomingMessage, res: ServerResponse) => void;

export const answer =
  (status: number, headers: Record<string, string> = {}): Script =>
  (_n, _req, res) => {
    res.writeHead(status, headers).end("ok");
  };

/**
 * A real HTTP server on a loopback port that records every request it gets
 * (and every TCP connection, so a test can prove none was made).
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  connections = 0;
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const n = this.received.length;
      this.received.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      });
      this.script(n, req, res);
    });
  });

  private constructor(private readonly script: Script) {
    this.server.on("connection", () => {
      this.connections += 1;
    });
  }

  static async start(script: Script = answer(200)): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(script);
    await new Promise<void>((resolve) => receiver.server.listen(0, "127.0.0.1", resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = "/hook"): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    // Hanging requests would keep close() waiting forever.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
