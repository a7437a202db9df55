/**
 * `@converter/shared/files`: files over HTTP as the contract shows them
 * (docs/design.md §3): an upload, a probed file, a folder listing.
 */
export * from "./file-listing.js";
export * from "./media-description.js";
export * from "./upload-view.js";
