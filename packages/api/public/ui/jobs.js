import { curlOf } from "./curl.js";
import { api, el, formatSeconds, messageOf } from "./http.js";

/**
 * The jobs list, newest first, filtered by status, kept live by GET /events
 * (Server-Sent Events; the browser reconnects with Last-Event-ID by itself).
 * A row's parts are updated in place, so a progress event never moves the
 * keyboard focus.
 */
const rows = new Map();
let filter = "";
/** Bumped by each fresh load: a slow answer for an earlier filter must not replace the list of a later one. */
let generation = 0;

export function initJobs() {
  const select = document.getElementById("status-filter");
  select.addEventListener("change", () => {
    filter = select.value;
    void load();
  });
  void load();
  connect();
}

/** A job the page itself just submitted: shown at once, unless its events got here first (they are newer). */
export function showJob(job) {
  if (!rows.has(job.job_id)) upsert(job);
}

async function load(cursor) {
  const mine = cursor ? generation : ++generation;
  const list = document.getElementById("jobs");
  const more = document.getElementById("more-jobs");
  const query = new URLSearchParams({ limit: "20" });
  if (filter) query.set("status", filter);
  if (cursor) query.set("cursor", cursor);
  const answer = await api("GET", `/jobs?${query}`);
  if (!answer.ok || mine !== generation) return;
  if (!cursor) {
    list.replaceChildren();
    rows.clear();
  }
  for (const job of answer.body.jobs) list.append(row(job).li);
  more.hidden = !answer.body.next_cursor;
  more.onclick = () => load(answer.body.next_cursor);
  empty();
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/events");
  source.addEventListener("open", () => {
    live.textContent = "● live";
  });
  source.addEventListener("error", () => {
    live.textContent = "reconnecting…";
    // EventSource retries a dropped stream itself, but gives up on an answer that is not a stream (a restart
    // in progress, a session that ended): start again from the list, which also sends an ended session to login.
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(() => {
        void load();
        connect();
      }, 3000);
    }
  });
  for (const type of ["status", "completed", "failed", "cancelled"]) {
    source.addEventListener(type, (event) => upsert(JSON.parse(event.data)));
  }
  source.addEventListener("progress", (event) => {
    const sample = JSON.parse(event.data);
    const known = rows.get(sample.job_id);
    if (known) update(known, { ...known.job, ...sample });
  });
}

function upsert(job) {
  const known = rows.get(job.job_id);
  if (filter && job.status !== filter) {
    if (known) {
      known.li.remove();
      rows.delete(job.job_id);
      empty();
    }
    return;
  }
  if (known) return update(known, { ...known.job, ...job });
  const list = document.getElementById("jobs");
  const { li } = row(job);
  const newer = [...list.children].find(
    (other) => (rows.get(other.dataset.jobId)?.job.created_at ?? "") < job.created_at,
  );
  list.insertBefore(li, newer ?? null);
  empty();
}

function empty() {
  document.getElementById("no-jobs").hidden = rows.size > 0;
}

function row(job) {
  const parts = {
    badge: el("span", { class: "badge" }),
    progress: el("progress", { max: "100", "aria-label": `Progress of ${job.output}` }),
    stats: el("span", { class: "stats" }),
    error: el("p", { class: "error" }),
    actions: el("div", { class: "actions" }),
    log: el("pre", { class: "log", hidden: true, tabindex: "0", "aria-label": `ffmpeg log of ${job.output}` }),
    curl: el("pre", { class: "curl", hidden: true, tabindex: "0", "aria-label": `curl for ${job.output}` }),
  };
  const li = el(
    "li",
    { class: "job", dataset: { jobId: job.job_id } },
    el(
      "div",
      { class: "head" },
      parts.badge,
      el("span", { class: "paths" }, el("strong", {}, job.input), " → ", el("strong", {}, job.output)),
      el("time", { datetime: job.created_at, class: "muted" }, new Date(job.created_at).toLocaleString()),
    ),
    el("div", { class: "meter" }, parts.progress, parts.stats),
    parts.error,
    parts.actions,
    parts.log,
    parts.curl,
  );
  const entry = { job, li, parts, shownStatus: null };
  rows.set(job.job_id, entry);
  update(entry, job);
  return entry;
}

function update(entry, job) {
  entry.job = job;
  const { parts, li } = entry;
  li.dataset.status = job.status;
  parts.badge.textContent = job.status.replace("_", " ");
  parts.progress.value = job.progress;
  parts.stats.textContent = stats(job);
  parts.error.textContent = job.error ? `${job.error.code}: ${job.error.message}` : (job.waiting_reason ?? "");
  if (entry.shownStatus !== job.status) {
    entry.shownStatus = job.status;
    const hadFocus = parts.actions.contains(document.activeElement);
    parts.actions.replaceChildren(...actions(entry));
    if (hadFocus) parts.actions.querySelector("button, a")?.focus();
  }
}

function stats(job) {
  const bits = [`${job.progress.toFixed(1)} %`];
  if (job.status === "in_progress") {
    if (job.speed !== null && job.speed !== undefined) bits.push(`${job.speed}×`);
    if (job.eta_seconds !== null && job.eta_seconds !== undefined) bits.push(`ETA ${formatSeconds(job.eta_seconds)}`);
  }
  if (job.encoder) bits.push(job.encoder);
  if (job.worker) bits.push(`on ${job.worker}`);
  if (job.segments) bits.push(segmentsText(job.segments));
  return bits.join(" · ");
}

/** A segmented job (ADR 0026): how many of its children are done, and the workers that ran them. */
function segmentsText(segments) {
  const children = segments.children ?? [];
  const done = children.filter((child) => child.status === "completed").length;
  const workers = [...new Set(children.map((child) => child.worker).filter(Boolean))];
  return `${done} of ${children.length} segments done${workers.length ? ` on ${workers.join(", ")}` : ""}`;
}

function actions(entry) {
  const { job } = entry;
  const id = job.job_id;
  const out = [];
  if (job.status === "queued" || job.status === "in_progress") {
    out.push(button("Cancel", `Cancel: the job writing ${job.output}`, () => act(entry, "DELETE", `/jobs/${id}`)));
  }
  if (job.status === "failed" || job.status === "cancelled") {
    out.push(button("Retry", `Retry: the job writing ${job.output}`, () => act(entry, "POST", `/jobs/${id}/retry`)));
  }
  if (job.status === "completed") {
    out.push(el("a", { class: "button", href: `/jobs/${id}/output`, download: "" }, "Download"));
  }
  out.push(button("Log", `Log: ffmpeg's output for ${job.output}`, () => toggleLog(entry)));
  out.push(button("Copy as curl", `Copy as curl: submit ${job.output} again`, () => showCurl(entry)));
  return out;
}

function button(text, label, onclick) {
  return el("button", { type: "button", "aria-label": label, onclick }, text);
}

async function act(entry, method, path) {
  const before = entry.job.status;
  const answer = await api(method, path);
  if (!answer.ok) {
    entry.parts.error.textContent = messageOf(answer);
    return;
  }
  // The answer may come after the job's events moved it on (a retried job already running): those win.
  const current = rows.get(answer.body.job_id);
  if (!current || current.job.status === before) upsert(answer.body);
}

async function toggleLog(entry) {
  const { log } = entry.parts;
  if (!log.hidden) {
    log.hidden = true;
    return;
  }
  const answer = await api("GET", `/jobs/${entry.job.job_id}/logs`);
  log.textContent = answer.ok ? answer.body.logs.join("\n") || "(no log yet)" : messageOf(answer);
  log.hidden = false;
}

async function showCurl(entry) {
  const { curl } = entry.parts;
  const text = curlOf(entry.job, document.body.dataset.auth === "key");
  curl.textContent = text;
  curl.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    curl.dataset.copied = "true";
  } catch {
    // Clipboard access needs a secure context or a permission: the command is shown to copy by hand.
  }
}
