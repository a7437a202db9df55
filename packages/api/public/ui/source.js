import { api, el, formatBytes, formatSeconds, messageOf } from "./http.js";
import { uploadFile } from "./upload.js";

/**
 * Where the input comes from: a file dropped or chosen (uploaded with a
 * progress bar), or one already under the media root (the folder browser).
 * Either way the page shows its probe and puts its path in the form.
 */
export function initSource(onSelected) {
  const drop = document.getElementById("drop");
  const fileInput = document.getElementById("file");
  const browser = document.getElementById("browser");

  fileInput.addEventListener("change", () => {
    if (fileInput.files?.[0]) void upload(fileInput.files[0], onSelected);
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer?.files?.[0];
    if (file) void upload(file, onSelected);
  });
  browser.addEventListener("toggle", () => {
    if (browser.open) void listFolder("", undefined, onSelected);
  });
}

async function upload(file, onSelected) {
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  bar.hidden = false;
  bar.value = 0;
  status.textContent = `Uploading ${file.name} (${formatBytes(file.size)})…`;
  try {
    const view = await uploadFile(file, (sent, total) => {
      bar.value = total > 0 ? Math.round((sent / total) * 1000) / 10 : 100;
    });
    bar.value = 100;
    status.textContent = `Uploaded ${view.name} (${formatBytes(view.size_bytes)}) as ${view.path}`;
    await select(view.path, onSelected);
  } catch (error) {
    status.textContent = `Upload failed: ${error.message}`;
  }
}

async function listFolder(dir, cursor, onSelected) {
  const list = document.getElementById("entries");
  const more = document.getElementById("more-entries");
  const where = document.getElementById("folder-path");
  const query = new URLSearchParams({ dir, limit: "100" });
  if (cursor) query.set("cursor", cursor);
  const answer = await api("GET", `/files?${query}`);
  if (!cursor) list.replaceChildren();
  if (!answer.ok) {
    where.textContent = messageOf(answer);
    return;
  }
  where.textContent = `Media root/${dir}`;
  if (!cursor && dir) {
    const parent = dir.includes("/") ? dir.slice(0, dir.lastIndexOf("/")) : "";
    list.append(
      el("li", {}, el("button", { type: "button", onclick: () => listFolder(parent, undefined, onSelected) }, "↑ Up")),
    );
  }
  for (const entry of answer.body.entries) {
    const label = entry.is_dir ? `${entry.name}/` : `${entry.name} · ${formatBytes(entry.size_bytes)}`;
    const onclick = entry.is_dir
      ? () => listFolder(entry.path, undefined, onSelected)
      : () => select(entry.path, onSelected);
    list.append(
      el("li", {}, el("button", { type: "button", class: entry.is_dir ? "folder" : "file", onclick }, label)),
    );
  }
  more.hidden = !answer.body.next_cursor;
  more.onclick = () => listFolder(dir, answer.body.next_cursor, onSelected);
}

/**
 * Counts selections, so a slow probe of an earlier file cannot overwrite the
 * probe of the one picked since (its answer may arrive last).
 */
let latestSelection = 0;

/** Puts the path in the form and shows what ffprobe says of it. */
async function select(path, onSelected) {
  const selection = ++latestSelection;
  onSelected(path);
  const box = document.getElementById("probe");
  box.replaceChildren(el("p", { class: "muted" }, `Probing ${path}…`));
  const answer = await api("POST", "/probe", { input: path });
  if (selection !== latestSelection) return;
  if (!answer.ok) {
    box.replaceChildren(el("p", { class: "error" }, `Cannot probe ${path}: ${messageOf(answer)}`));
    return;
  }
  box.replaceChildren(describe(answer.body));
}

function describe(media) {
  const video = media.streams.find((s) => s.type === "video" && !s.attached_pic);
  const audio = media.streams.find((s) => s.type === "audio");
  const rows = [
    ["File", media.input],
    ["Duration", formatSeconds(media.duration_seconds)],
    ["Resolution", video?.width ? `${video.width}×${video.height}` : "no video"],
    [
      "Video",
      video ? [video.codec, video.frame_rate ? `${Math.round(video.frame_rate * 100) / 100} fps` : null] : ["none"],
    ],
    [
      "Audio",
      audio
        ? [
            audio.codec,
            audio.channels ? `${audio.channels} ch` : null,
            audio.sample_rate ? `${audio.sample_rate} Hz` : null,
          ]
        : ["none"],
    ],
    ["Container", media.container],
    ["Size", formatBytes(media.size_bytes)],
  ];
  return el(
    "dl",
    { class: "probe", "aria-label": "Source media" },
    rows.flatMap(([name, value]) => [
      el("dt", {}, name),
      el("dd", {}, Array.isArray(value) ? value.filter(Boolean).join(" · ") : (value ?? "")),
    ]),
  );
}
