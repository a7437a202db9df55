import type { JobRoute } from "@converter/shared/queue";
import { describe, expect, it } from "vitest";
import { JobSlots } from "./job-slots.js";

const ranks: JobRoute[] = ["h264_nvenc", "gpu-preferred", "any"];

describe("JobSlots", () => {
  it("never gives out more slots than MAX_CONCURRENT_JOBS, whichever route asks", () => {
    const slots = new JobSlots(2, ranks);
    expect(slots.tryAcquire("any")).toBe(true);
    expect(slots.tryAcquire("h264_nvenc")).toBe(true);
    expect(slots.tryAcquire("gpu-preferred")).toBe(false);
    slots.release();
    expect(slots.inUse).toBe(1);
  });

  it("gives a freed slot to the waiting route of the best rank, and none to a route that is closed", async () => {
    let nvencOpen = false;
    const slots = new JobSlots(1, ranks, (route) => route !== "h264_nvenc" || nvencOpen);
    expect(slots.tryAcquire("any")).toBe(true);
    const order: string[] = [];
    const closing = new AbortController();
    const any = slots.acquire("any", closing.signal).then((ok) => order.push(`any:${ok}`));
    const nvenc = slots.acquire("h264_nvenc", closing.signal).then((ok) => order.push(`nvenc:${ok}`));
    const preferred = slots.acquire("gpu-preferred", closing.signal).then((ok) => order.push(`preferred:${ok}`));
    slots.release(); // nvenc is closed: the slot goes to gpu-preferred, the next rank
    await preferred;
    nvencOpen = true;
    slots.release();
    await nvenc;
    closing.abort();
    await any;
    expect(order).toEqual(["preferred:true", "nvenc:true", "any:false"]);
  });
});
