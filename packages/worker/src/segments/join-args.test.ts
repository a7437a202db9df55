import { describe, expect, it } from "vitest";
import { buildJoinArgs, concatList } from "./join-args.js";

describe("buildJoinArgs", () => {
  it("concatenates the video parts and muxes the audio, both copied, into an MP4 that starts playing at once", () => {
    expect(
      buildJoinArgs({
        listPath: "/dev/fd/3/.seg.j.list.partial",
        audioPath: "/dev/fd/3/.seg.j.a.partial",
        outputPath: "/dev/fd/4",
        container: "mp4",
        muxer: "mp4",
      }),
    ).toEqual([
      "-hide_banner",
      "-nostdin",
      "-y",
      "-progress",
      "pipe:1",
      "-nostats",
      "-protocol_whitelist",
      "file",
      "-f",
      "concat",
      "-safe",
      "0",
      "-i",
      "file:/dev/fd/3/.seg.j.list.partial",
      "-protocol_whitelist",
      "file",
      "-i",
      "file:/dev/fd/3/.seg.j.a.partial",
      "-map",
      "0:v:0",
      "-map",
      "1:a:0",
      "-c",
      "copy",
      "-map_metadata",
      "-1",
      "-movflags",
      "+faststart",
      "-f",
      "mp4",
      "file:/dev/fd/4",
    ]);
  });

  it("joins video alone into Matroska when the job keeps no audio", () => {
    expect(
      buildJoinArgs({ listPath: "/l", audioPath: null, outputPath: "/o", container: "mkv", muxer: "matroska" }),
    ).toEqual([
      "-hide_banner",
      "-nostdin",
      "-y",
      "-progress",
      "pipe:1",
      "-nostats",
      "-protocol_whitelist",
      "file",
      "-f",
      "concat",
      "-safe",
      "0",
      "-i",
      "file:/l",
      "-map",
      "0:v:0",
      "-c",
      "copy",
      "-map_metadata",
      "-1",
      "-f",
      "matroska",
      "file:/o",
    ]);
  });
});

describe("concatList", () => {
  it("lists the parts in order, quoted", () => {
    expect(concatList(["/dev/fd/3/a", "/dev/fd/3/b'c"])).toBe(
      "ffconcat version 1.0\nfile '/dev/fd/3/a'\nfile '/dev/fd/3/b'\\''c'\n",
    );
  });
});
