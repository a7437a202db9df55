/**
 * `@converter/shared/presets` (API only): the preset catalogue and the
 * merge of a preset with a request's overrides. Workers never resolve
 * presets; they take the resolved options from the queue payload.
 */
export * from "./presets.js";
export * from "./resolve-options.js";
