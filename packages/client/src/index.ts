/**
 * @converter/client: the FFmpeg Converter API for TypeScript, generated at
 * build time from the OpenAPI document the API serves
 * (docs/adr/0030-typed-client-and-cli.md). A change of the contract that
 * breaks a caller breaks that caller's type check.
 */
import type { components } from "./generated/openapi.js";

export { type ApiErrorBody, ConverterApiError, type ErrorCode, unwrap } from "./api-error.js";
export { type ConverterClient, createConverterClient } from "./create-client.js";
export type { components, operations, paths } from "./generated/openapi.js";

type Schemas = components["schemas"];
export type Job = Schemas["Job"];
export type JobStatus = Job["status"];
export type JobList = Schemas["JobList"];
export type ConvertRequest = Schemas["ConvertRequest"];
export type ConvertOptions = Schemas["ConvertOptions"];
export type Preset = Schemas["Preset"];
export type Upload = Schemas["Upload"];
export type Worker = Schemas["Worker"];
