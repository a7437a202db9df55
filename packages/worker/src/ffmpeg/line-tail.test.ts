import { describe, expect, it } from "vitest";
import { LineSplitter, StderrLog } from "./run-ffmpeg.js";

describe("LineSplitter", () => {
  it("yields non-empty lines, joining lines split across chunks", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push("one\ntw");
    splitter.push("o\r\n\nthree\rfour\nfi");
    splitter.flush();
    expect(lines).toEqual(["one", "two", "three", "four", "fi"]);
  });
});

describe("StderrLog", () => {
  it("passes the first lines on live, then keeps a bounded tail and says how much it dropped", () => {
    const live: string[] = [];
    const log = new StderrLog(2, 3, (line) => live.push(line));
    for (let i = 1; i <= 10; i++) log.add(`line ${i}`);
    expect(live).toEqual(["line 1", "line 2"]);
    expect(log.unlogged()).toEqual(["… 5 lines of ffmpeg output omitted …", "line 8", "line 9", "line 10"]);
    expect(log.tail()).toEqual(["line 8", "line 9", "line 10"]);
  });

  it("has nothing unlogged when everything went out live", () => {
    const log = new StderrLog(5, 5);
    log.add("a");
    expect(log.unlogged()).toEqual([]);
  });
});
