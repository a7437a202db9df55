/**
 * The page's calls to the API: same origin, so the browser sends the session
 * cookie; the key is never in this script. Every answer comes back as
 * { ok, status, body }, an error in the API's own shape
 * ({ error: { code, message, details } }).
 */
export async function api(method, path, body) {
  const init = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, body: { error: { code: "network", message: "The server cannot be reached." } } };
  }
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { error: { code: "unreadable", message: text.slice(0, 200) } };
  }
  // The session ended (logout elsewhere, a restart): the page asks for the key again.
  if (res.status === 401) window.location.reload();
  return { ok: res.ok, status: res.status, body: parsed };
}

/** The API's message for a failed answer. */
export function messageOf(answer) {
  return answer.body?.error?.message ?? `HTTP ${answer.status}`;
}

/** A DOM element with attributes and children; strings become text nodes, so nothing is parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** 75.5 → "1:15.5"; 3725 → "1:02:05". */
export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = seconds - h * 3600 - m * 60;
  const ss = s < 10 ? `0${s.toFixed(s % 1 ? 1 : 0)}` : s.toFixed(s % 1 ? 1 : 0);
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss.padStart(2, "0")}` : `${m}:${ss}`;
}
