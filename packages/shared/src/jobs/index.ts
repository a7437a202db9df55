/**
 * `@converter/shared/jobs`: the job as the HTTP contract describes it
 * (docs/design.md §3), for the API and for clients' tests: the request, the
 * options and their ranges, the job view, statuses and progress rules.
 */
export * from "./convert-request.js";
export * from "./job-outcome.js";
export * from "./job-status.js";
export * from "./job-view.js";
export * from "./media-words.js";
export * from "./option-fields.js";
export * from "./progress-rules.js";
export * from "./resolved-options.js";
export * from "./segments.js";
export * from "./video-pipeline.js";
