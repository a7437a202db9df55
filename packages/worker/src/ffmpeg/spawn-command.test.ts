import { describe, expect, it } from "vitest";
import { dieWithParentCommand, setprivExecError } from "./spawn-command.js";

describe("dieWithParentCommand", () => {
  it("puts setpriv --pdeathsig KILL in front of the program, arguments untouched", () => {
    expect(dieWithParentCommand("ffmpeg", ["-i", "file:a b.mkv", "--"], "/usr/bin/setpriv")).toEqual({
      command: "/usr/bin/setpriv",
      args: ["--pdeathsig", "KILL", "--", "ffmpeg", "-i", "file:a b.mkv", "--"],
      viaSetpriv: true,
    });
  });

  it("starts the program directly without setpriv", () => {
    expect(dieWithParentCommand("/opt/ffmpeg", ["-version"], null)).toEqual({
      command: "/opt/ffmpeg",
      args: ["-version"],
      viaSetpriv: false,
    });
  });
});

describe("setprivExecError", () => {
  it("turns setpriv's exec failure back into the spawn error", () => {
    const error = setprivExecError("/x/ffmpeg", 127, "setpriv: failed to execute /x/ffmpeg: No such file or directory");
    expect(error).toMatchObject({ code: "ENOENT", message: expect.stringMatching(/^spawn \/x\/ffmpeg ENOENT/) });
    expect(setprivExecError("/x/ffmpeg", 126, "setpriv: failed to execute /x/ffmpeg: Permission denied")).toMatchObject(
      { code: "EACCES" },
    );
  });

  it("leaves ffmpeg's own exit statuses alone", () => {
    expect(setprivExecError("ffmpeg", 1, "setpriv: failed to execute ffmpeg")).toBeUndefined();
    expect(setprivExecError("ffmpeg", 127, "Error opening input file")).toBeUndefined();
    expect(setprivExecError("ffmpeg", null, undefined)).toBeUndefined();
  });
});
