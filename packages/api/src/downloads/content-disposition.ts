/**
 * `Content-Disposition: attachment` naming the file (RFC 6266): a plain
 * ASCII `filename` for old clients, and `filename*` (RFC 8187, formerly
 * 5987) in UTF-8 for every character a name may hold.
 */
export function attachment(fileName: string): string {
  const fallback = fileName
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]/g, "_")
    .replace(/["\\%]/g, "_");
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
