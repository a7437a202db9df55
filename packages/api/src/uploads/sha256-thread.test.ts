import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sha256OfFile, threadedSha256 } from "./sha256-thread.js";

const expected = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("threadedSha256", () => {
  it("hashes like crypto does, whatever the chunking, with several hashes at once", async () => {
    const inputs = [Buffer.alloc(0), randomBytes(100), randomBytes(3 * 1024 * 1024 + 17), randomBytes(64 * 1024)];
    const digests = await Promise.all(
      inputs.map(async (data, i) => {
        const hash = threadedSha256();
        const step = [1, 7, 65_536, 100_000][i] ?? 1;
        for (let at = 0; at < data.length; at += step) hash.update(data.subarray(at, at + step));
        return hash.digest();
      }),
    );
    expect(digests).toEqual(inputs.map(expected));
  });

  it("counts what waits for the thread, and reports its progress", async () => {
    const hash = threadedSha256();
    let progressed = 0;
    hash.onProgress = () => {
      progressed += 1;
    };
    hash.update(randomBytes(2 * 1024 * 1024));
    expect(hash.pending).toBe(2 * 1024 * 1024);
    await hash.digest();
    expect(hash.pending).toBe(0);
    expect(progressed).toBeGreaterThan(0);
  });

  it("hashes a file on disk", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sha-"));
    const data = randomBytes(5 * 1024 * 1024 + 3);
    writeFileSync(path.join(dir, "f"), data);
    expect(await sha256OfFile(path.join(dir, "f"))).toBe(expected(data));
    rmSync(dir, { recursive: true, force: true });
  });
});
