import { api, el, messageOf } from "./http.js";

/** Encoders that run on a GPU; the rest run on the CPU. */
const GPU_ENCODER = /nvenc|qsv|vaapi|amf|videotoolbox|v4l2m2m/;
const REFRESH_MS = 5000;

/**
 * Each live worker (GET /workers: what its start-up tests proved, what it
 * runs now) and the queue depth (GET /health). Heartbeats come every 10 s,
 * so a poll every few seconds is as live as they are.
 */
export function initWorkers() {
  void refresh();
  setInterval(() => {
    if (!document.hidden) void refresh();
  }, REFRESH_MS);
}

async function refresh() {
  const [workers, health] = await Promise.all([api("GET", "/workers"), api("GET", "/health")]);
  const list = document.getElementById("workers");
  const depth = document.getElementById("queue-depth");
  if (health.body?.queues) {
    const waiting = health.body.queues.reduce((sum, q) => sum + q.waiting, 0);
    const active = health.body.queues.reduce((sum, q) => sum + q.active, 0);
    depth.textContent = `Queue: ${waiting} waiting, ${active} running`;
  }
  if (!workers.ok) {
    list.replaceChildren(el("li", { class: "error" }, messageOf(workers)));
    return;
  }
  if (workers.body.workers.length === 0) {
    list.replaceChildren(el("li", { class: "muted" }, "No live worker: jobs wait until one starts."));
    return;
  }
  list.replaceChildren(...workers.body.workers.map(workerItem));
}

function workerItem(worker) {
  const encoders = Object.entries(worker.encoders)
    .filter(([, works]) => works)
    .map(([name]) =>
      el(
        "span",
        { class: GPU_ENCODER.test(name) ? "tag gpu" : "tag" },
        `${name} (${GPU_ENCODER.test(name) ? "GPU" : "CPU"})`,
      ),
    );
  const running = worker.running_jobs ?? [];
  return el(
    "li",
    { class: "worker" },
    el("div", { class: "head" }, el("strong", {}, worker.name), el("span", { class: "muted" }, worker.host ?? "")),
    el(
      "p",
      {},
      `${worker.active_jobs} of ${worker.concurrency} slots busy · hardware ${worker.hardware}`,
      worker.gpu ? ` · ${worker.gpu.model}` : "",
    ),
    el("p", { class: "tags", "aria-label": "Measured encoders" }, encoders.length ? encoders : "no encoder passed"),
    running.length ? el("p", { class: "muted" }, `Running: ${running.join(", ")}`) : null,
  );
}
