import { describe, expect, it } from "vitest";
import { fileFailure, withoutNodePaths } from "./file-failure.js";

const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("filesystem refusals as job failures", () => {
  it.each(["EROFS", "EACCES", "EPERM", "ENAMETOOLONG", "EISDIR", "ENOTDIR", "ELOOP"])(
    "fails %s at once as invalid_path, naming the client's path and not the node's",
    (code) => {
      const failure = fileFailure(errno(code, `${code}: mkdir '/proc/self/fd/23/sub'`), "out/sub/x.mp4");
      expect(failure?.constructor.name).toBe("PermanentFailure");
      expect(failure?.failure).toEqual({ code: "invalid_path", message: expect.stringMatching(/^out\/sub\/x\.mp4 /) });
      expect(failure?.failure.message).not.toMatch(/proc|mkdir/);
    },
  );

  it("leaves other errors to the caller", () => {
    expect(fileFailure(errno("EIO", "EIO: i/o error"), "x.mp4")).toBeUndefined();
    expect(fileFailure(new Error("plain"), "x.mp4")).toBeUndefined();
  });

  it("takes this node's paths out of any message", () => {
    expect(
      withoutNodePaths("EIO: i/o error, open '/proc/self/fd/31/.x.mp4.j.r.partial' under /srv/media/out", "/srv/media"),
    ).toBe("EIO: i/o error, open '.x.mp4.j.r.partial' under out");
    expect(withoutNodePaths("file:/dev/fd/4: Input/output error", "/m")).toBe("file:(file): Input/output error");
  });
});
