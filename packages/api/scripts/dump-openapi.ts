/**
 * Writes the OpenAPI document the API serves at /openapi.json to a file, from
 * the app built in process (no server, no Redis): the input of the typed
 * client's build (packages/client) and of `redocly lint`.
 *
 *   node --conditions=source --import tsx packages/api/scripts/dump-openapi.ts <out.json>
 */
import { writeFileSync } from "node:fs";
import { openApiDocument } from "../src/test-support.js";

const out = process.argv[2];
if (!out) {
  console.error("usage: dump-openapi.ts <out.json>");
  process.exit(2);
}
writeFileSync(out, `${JSON.stringify(await openApiDocument(), null, 2)}\n`);
