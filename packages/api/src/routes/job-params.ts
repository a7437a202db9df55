import { z } from "@hono/zod-openapi";

/** The `{job_id}` of every per-job route. */
export const JobIdParam = z.object({
  job_id: z
    .string()
    .min(1)
    .openapi({ param: { name: "job_id", in: "path" }, example: "0192f3c4-…" }),
});
