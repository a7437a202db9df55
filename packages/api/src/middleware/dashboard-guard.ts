import { AppError } from "@converter/shared/errors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../deps.js";
import { DASHBOARD_PATH } from "../http-paths.js";

/**
 * Bull Board's actions that would put work into the queue past the API:
 * adding a job (no SQLite record, no validation, no admission limit: a job
 * that writes wherever its payload says), editing a job's data, and
 * retrying jobs (the job runs while its record stays failed, and the API's
 * own retry then meets the output it wrote). Jobs enter through POST
 * /convert and run again through POST /jobs/{job_id}/retry only. Watching,
 * removing (recorded as cancelled), cleaning, promoting and pausing stay.
 */
export function dashboardGuard() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const path = c.req.path.slice(DASHBOARD_PATH.length);
    const method = c.req.method;
    const adds = method === "POST" && /^\/api\/queues\/[^/]+\/add\/?$/.test(path);
    const edits = method === "PATCH" && /\/update-data\/?$/.test(path);
    const retries = method === "PUT" && /^\/api\/queues\/[^/]+\/(?:[^/]+\/retry|retry\/[^/]+)\/?$/.test(path);
    if (adds || edits || retries) {
      throw new AppError(
        "dashboard_action_disabled",
        "the dashboard cannot add, edit or retry jobs: jobs enter through POST /convert and run again through POST /jobs/{job_id}/retry, which keep their records and limits",
      );
    }
    return next();
  });
}
