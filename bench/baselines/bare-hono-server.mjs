// The HTTP baseline of bench/measurements/http-reads.ts: the same Hono and
// @hono/node-server versions the API runs, one JSON route and nothing else
// (no middleware, no database). Prints its port on stdout once listening.
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono().get("/", (c) => c.json({ name: "bare", version: "0.0.0", docs: "/docs" }));
serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
  process.stdout.write(`${info.port}\n`);
});
