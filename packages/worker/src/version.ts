import { readFileSync } from "node:fs";

/** The worker's version, from its package.json (same depth from src/ and dist/), shown in /workers. */
export const WORKER_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
