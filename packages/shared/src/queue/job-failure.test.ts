import { describe, expect, it } from "vitest";
import { decodeFailure, encodeFailure } from "./job-failure.js";

describe("job failures through BullMQ's failedReason", () => {
  it("round-trips a code and a message, whatever the message holds", () => {
    for (const message of ["no stream\nat all", "[not a code] x", '{"code":"x"}', ""]) {
      expect(decodeFailure(encodeFailure({ code: "invalid_media", message }))).toEqual({
        code: "invalid_media",
        message,
      });
    }
  });

  it("calls a reason the worker did not encode a worker_error, keeping its text", () => {
    expect(decodeFailure("job stalled more than allowable limit")).toEqual({
      code: "worker_error",
      message: "job stalled more than allowable limit",
    });
    expect(decodeFailure('{"code": 1}')).toEqual({ code: "worker_error", message: '{"code": 1}' });
    expect(decodeFailure("{not json")).toEqual({ code: "worker_error", message: "{not json" });
  });

  it("says so when there is no reason at all", () => {
    expect(decodeFailure(undefined)).toEqual({ code: "worker_error", message: "the worker failed without a reason" });
  });
});
