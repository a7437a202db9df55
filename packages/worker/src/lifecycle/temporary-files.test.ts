import { describe, expect, it } from "vitest";
import { jobIdOfTemporaryName, temporaryName } from "./temporary-files.js";

describe("temporary output names", () => {
  it("hides the temporary file beside the target and tags it with the job and the run", () => {
    expect(temporaryName("x.mp4", "job-1", "run-a")).toBe(".x.mp4.job-1.run-a.partial");
  });

  it("recognises its own names, and only those", () => {
    const id = "0192f3c4-1b2c-7d3e-8f40-123456789abc";
    expect(jobIdOfTemporaryName(`.x.mp4.${id}.ab12cd34.partial`)).toBe(id);
    expect(jobIdOfTemporaryName(`x.mp4.${id}.ab12cd34.partial`)).toBeUndefined();
    expect(jobIdOfTemporaryName(`.x.mp4.${id}.ab12cd34.mp4`)).toBeUndefined();
  });
});
