import { loadConfigOrExit, loadWorkerConfig } from "@converter/shared/config/worker";
import { readHealthFile } from "./health-file.js";

// The worker image's HEALTHCHECK (docker/Dockerfile): exit 0 while the worker
// rewrites WORKER_HEALTH_FILE, 1 once it has gone stale or never appeared.
const config = loadConfigOrExit(loadWorkerConfig);
if (!config.healthFile) {
  console.error("WORKER_HEALTH_FILE is not set: the worker writes no health file to check");
  process.exit(1);
}
const verdict = await readHealthFile(config.healthFile);
console.log(verdict.message);
process.exit(verdict.healthy ? 0 : 1);
