import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The page's script modules and stylesheet: the package's public/ui folder, next to src/ and dist/. */
const ASSETS_DIR = fileURLToPath(new URL("../../public/ui/", import.meta.url));

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

export type UiAsset = { body: Uint8Array<ArrayBuffer>; type: string };

/**
 * Every asset, read once: the folder is part of the package (no build step,
 * no CDN), and only names listed here are served, so a request cannot name
 * any other file.
 */
export function loadUiAssets(dir = ASSETS_DIR): Map<string, UiAsset> {
  const assets = new Map<string, UiAsset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[/\.([a-z]+)$/.exec(name)?.[1] ?? ""];
    if (type && /^[a-z0-9-]+\.[a-z]+$/.test(name)) {
      assets.set(name, { body: new Uint8Array(readFileSync(`${dir}${name}`)), type });
    }
  }
  return assets;
}
