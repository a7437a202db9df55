/**
 * `@converter/shared/queue`: what the API and the workers say to each other
 * through Redis: the job payload, progress, return value and failure, the
 * worker heartbeat, and the names of the keys and channels they share.
 */
export * from "./job-failure.js";
export * from "./job-log.js";
export * from "./job-payload.js";
export * from "./job-routes.js";
export * from "./queue-keys.js";
export * from "./segment-plan.js";
export * from "./worker-heartbeat.js";
export * from "./worker-registry.js";
