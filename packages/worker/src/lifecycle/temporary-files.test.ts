import { describe, expect, it } from "vitest";
import { jobIdOfTemporaryName, temporaryName, temporaryPrefix } from "./temporary-files.js";

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

  it.each([
    ["255 ASCII bytes", `${"a".repeat(251)}.mp4`],
    ["CJK, 3 bytes a character", `${"動画".repeat(41)}.mp4`],
    ["four-byte emoji at the cut", `${"x".repeat(199)}${"🎬".repeat(10)}.mkv`],
  ])("fits a long target name (%s) within NAME_MAX, still recognised as this job's", (_name, target) => {
    const id = "0192f3c4-1b2c-7d3e-8f40-123456789abc";
    expect(Buffer.byteLength(target)).toBeLessThanOrEqual(255);
    const name = temporaryName(target, id, "ab12cd34");
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    // Cut on a character boundary: the name is valid UTF-8 and reads back the same.
    expect(Buffer.from(name).toString("utf8")).toBe(name);
    expect(name.includes("\uFFFD")).toBe(false);
    expect(name.startsWith(temporaryPrefix(target, id))).toBe(true);
    expect(jobIdOfTemporaryName(name)).toBe(id);
  });
});
