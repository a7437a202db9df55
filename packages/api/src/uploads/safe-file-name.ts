import { cutToBytes } from "@converter/shared/media-path";
/** NAME_MAX is 255 bytes on Linux filesystems; the rest is head-room for a suffix a tool may add. */
export const MAX_NAME_BYTES = 200;
const MAX_EXTENSION_CHARS = 16;
const FALLBACK_NAME = "upload";

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Bidi overrides, embeddings and isolates ("clip\u202Ekm.exe" shows as "clipexe.mk"), marks, zero-width characters. */
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
/** Characters Windows, macOS or a shell give a meaning to, and the path separators. */
const RESERVED = /[/\\:*?"<>|]/g;
/** Device names Windows will not open as files, whatever their extension (CON, con.mkv, COM1.txt). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * A client's file name made safe to store, never refused for being odd
 * (docs/adr/0021-files-over-http.md): only the last path segment is kept
 * (browsers once sent C:\fakepath\…), control, bidi-override and
 * zero-width characters are removed, separators and characters reserved on
 * common filesystems become `_`, leading dots (hidden files, `..`) and
 * trailing dots and spaces go, a Windows device name gets a `_` in front,
 * and a name over MAX_NAME_BYTES is shortened on a character boundary,
 * keeping its extension. An empty result becomes "upload".
 */
export function safeFileName(raw: string | null | undefined): string {
  const lastSegment = (raw ?? "").split(/[/\\]/).at(-1) ?? "";
  let name = lastSegment
    .normalize("NFC")
    .replace(INVISIBLE, "")
    .replace(/\s+/g, " ")
    .replace(CONTROL, "")
    // Once more: a control character between two blanks leaves two spaces (and the result must be stable).
    .replace(/ {2,}/g, " ")
    .replace(RESERVED, "_")
    .trim()
    .replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "");
  if (name === "") return FALLBACK_NAME;
  if (WINDOWS_DEVICE.test(name)) name = `_${name}`;
  return shorten(name, MAX_NAME_BYTES);
}

/** Cuts the stem, not the extension, until the name fits in maxBytes of UTF-8. */
function shorten(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 && name.length - dot <= MAX_EXTENSION_CHARS + 1 ? name.slice(dot) : "";
  const kept = cutToBytes(name.slice(0, name.length - extension.length), maxBytes - Buffer.byteLength(extension));
  return `${kept.trimEnd() || FALLBACK_NAME}${extension}`;
}
