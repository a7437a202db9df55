import { describe, expect, it } from "vitest";
import { attachment } from "./content-disposition.js";

describe("attachment", () => {
  it.each([
    ["clip.mp4", `attachment; filename="clip.mp4"; filename*=UTF-8''clip.mp4`],
    ["my clip (1).mp4", `attachment; filename="my clip (1).mp4"; filename*=UTF-8''my%20clip%20%281%29.mp4`],
    ["Ünïcödé.mp4", `attachment; filename="Unicode.mp4"; filename*=UTF-8''%C3%9Cn%C3%AFc%C3%B6d%C3%A9.mp4`],
    ["日本.mkv", `attachment; filename="__.mkv"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.mkv`],
    ['a"b\\c%d.mp4', `attachment; filename="a_b_c_d.mp4"; filename*=UTF-8''a%22b%5Cc%25d.mp4`],
    ["it's.mp4", `attachment; filename="it's.mp4"; filename*=UTF-8''it%27s.mp4`],
  ])("%s", (name, header) => {
    expect(attachment(name)).toBe(header);
  });

  it("round-trips filename* through a decoder", () => {
    const name = "día de 🎬 «fête».webm";
    const star = /filename\*=UTF-8''(.+)$/.exec(attachment(name))?.[1] ?? "";
    expect(decodeURIComponent(star)).toBe(name);
  });
});
