// The HTTP baseline of bench/measurements/http-reads.ts: the same Hono and
// @hono/node-server versions the API runs, one JSON route and nothing else
// (no middleware, no database). Prints its port on stdout once listening.
// With --with-post, also the baseline of submission-burst: POST /convert
// reads the JSON body and answers 202 with it, as a job would be answered,
// but checks, stores and queues nothing.
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono().get("/", (c) => c.json({ name: "bare", version: "0.0.0", docs: "/docs" }));
if (process.argv.includes("--with-post")) {
  let accepted = 0;
  app.post("/convert", async (c) => {
    const request = await c.req.json();
    accepted += 1;
    return c.json({ job_id: String(accepted), status: "queued", progress: 0, ...request }, 202);
  });
}
serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
  process.stdout.write(`${info.port}\n`);
});
