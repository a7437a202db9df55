import { jobLogLines } from "@converter/shared/queue";
import { describe, expect, it, vi } from "vitest";
import { batchedJobLog, STDERR_BATCH_MS } from "./batched-job-log.js";

/** BullMQ's Job.log stands in here: what it is given, in order, is what Redis would hold. */
function recordingJob(fail = false) {
  const entries: string[] = [];
  return {
    entries,
    log: async (row: string) => {
      entries.push(row);
      if (fail) throw new Error("redis is down");
      return entries.length;
    },
  };
}

describe("batchedJobLog", () => {
  it("writes the lines of one turn of the event loop as one entry, and later lines as the next", async () => {
    const job = recordingJob();
    const log = batchedJobLog(job);
    const first = [log("Input #0, mov"), log("  Duration: 00:00:01.00"), log("Stream mapping:")];
    await Promise.all(first);
    await log("completed in 0.3 s");
    expect(job.entries).toEqual(["Input #0, mov\n  Duration: 00:00:01.00\nStream mapping:", "completed in 0.3 s"]);
    expect(jobLogLines(job.entries)).toEqual([
      "Input #0, mov",
      "  Duration: 00:00:01.00",
      "Stream mapping:",
      "completed in 0.3 s",
    ]);
  });

  it("settles a line's promise only once its batch was handed to Redis", async () => {
    const job = recordingJob();
    const log = batchedJobLog(job);
    const written = log("one");
    expect(job.entries).toEqual([]);
    await written;
    expect(job.entries).toEqual(["one"]);
  });

  it("keeps one line one line, whatever breaks it holds", async () => {
    const job = recordingJob();
    await batchedJobLog(job)("a\nb\r\nc");
    expect(jobLogLines(job.entries)).toEqual(["a b c"]);
  });

  it("never rejects: the log is best effort", async () => {
    const job = recordingJob(true);
    await expect(batchedJobLog(job)("lost")).resolves.toBeUndefined();
  });
});

describe("batchedJobLog.meanwhile (ffmpeg's stderr)", () => {
  it("gathers lines for a while, then writes them as one entry", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const job = recordingJob();
      const log = batchedJobLog(job);
      log.meanwhile("frame=1");
      await vi.advanceTimersByTimeAsync(STDERR_BATCH_MS / 2);
      log.meanwhile("frame=2");
      expect(job.entries).toEqual([]);
      await vi.advanceTimersByTimeAsync(STDERR_BATCH_MS);
      expect(job.entries).toEqual(["frame=1\nframe=2"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("goes along, in order, with the next line logged at once", async () => {
    const job = recordingJob();
    const log = batchedJobLog(job);
    log.meanwhile("[libx264] frame I:1");
    log.meanwhile("[aac] Qavg: 120");
    await log("completed in 0.3 s");
    expect(job.entries).toEqual(["[libx264] frame I:1\n[aac] Qavg: 120\ncompleted in 0.3 s"]);
  });
});
