/**
 * Uploads a file with the tus protocol the API serves at /uploads/tus
 * (docs/adr/0021-files-over-http.md): created once, then sent in chunks by
 * PATCH; after a dropped connection the page asks where the upload stands
 * (HEAD) and goes on from there, so a big file is never sent twice.
 */
const TUS = "/uploads/tus";
const CHUNK_BYTES = 16 * 1024 * 1024;
const MAX_RETRIES = 8;

class UploadError extends Error {}

export async function uploadFile(file, onProgress) {
  const created = await fetch(TUS, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Tus-Resumable": "1.0.0",
      "Upload-Length": String(file.size),
      "Upload-Metadata": `filename ${base64(file.name)}`,
    },
  });
  if (created.status !== 201 && created.status !== 200) throw new UploadError(await messageOf(created));
  const location = created.headers.get("location");
  if (file.size === 0 || !location) return await created.json();
  let offset = 0;
  let failures = 0;
  for (;;) {
    let answer;
    try {
      answer = await patch(location, file.slice(offset, offset + CHUNK_BYTES), offset, (sent) =>
        onProgress(offset + sent, file.size),
      );
    } catch {
      failures += 1;
      if (failures > MAX_RETRIES) throw new UploadError("The connection keeps dropping; the upload stopped.");
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** Math.min(failures, 5)));
      offset = await currentOffset(location);
      continue;
    }
    if (answer.status === 200) return JSON.parse(answer.body);
    if (answer.status !== 204) throw new UploadError(errorText(answer.body, answer.status));
    failures = 0;
    offset = Number(answer.offset);
    onProgress(offset, file.size);
  }
}

function patch(url, blob, offset, onSent) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PATCH", url);
    xhr.setRequestHeader("Tus-Resumable", "1.0.0");
    xhr.setRequestHeader("Upload-Offset", String(offset));
    xhr.setRequestHeader("Content-Type", "application/offset+octet-stream");
    xhr.upload.addEventListener("progress", (event) => onSent(event.loaded));
    xhr.addEventListener("load", () =>
      resolve({ status: xhr.status, body: xhr.responseText, offset: xhr.getResponseHeader("Upload-Offset") }),
    );
    xhr.addEventListener("error", () => reject(new Error("network")));
    xhr.send(blob);
  });
}

async function currentOffset(location) {
  const res = await fetch(location, { method: "HEAD", headers: { "Tus-Resumable": "1.0.0" } });
  if (!res.ok) throw new UploadError(`The upload cannot be resumed (HTTP ${res.status}).`);
  return Number(res.headers.get("upload-offset"));
}

async function messageOf(res) {
  return errorText(await res.text(), res.status);
}

function errorText(text, status) {
  try {
    return JSON.parse(text).error.message;
  } catch {
    return `The upload failed (HTTP ${status}).`;
  }
}

/** UTF-8 safe base64, as tus metadata wants it. */
function base64(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
