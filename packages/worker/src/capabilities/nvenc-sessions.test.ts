import { describe, expect, it } from "vitest";
import { isNvencSessionRefusal, NvencSessions } from "./nvenc-sessions.js";

describe("NVENC sessions", () => {
  it("caps concurrent sessions at NVENC_MAX_SESSIONS and frees them once", () => {
    const sessions = new NvencSessions(2);
    const a = sessions.tryAcquire();
    const b = sessions.tryAcquire();
    expect(a && b).toBeTruthy();
    expect(sessions.tryAcquire()).toBeUndefined();
    a?.();
    a?.();
    expect(sessions.used).toBe(1);
    expect(sessions.hasFree()).toBe(true);
  });

  it("has no cap until the driver refuses, then keeps what it allowed", () => {
    const sessions = new NvencSessions(0);
    expect(sessions.limit).toBeNull();
    sessions.refused(0);
    expect(sessions.limit).toBeNull();
    sessions.refused(3);
    expect(sessions.limit).toBe(3);
    sessions.refused(5);
    expect(sessions.limit).toBe(3);
    expect(new NvencSessions(2).limit).toBe(2);
  });

  it("tells a session refusal from other NVENC failures", () => {
    const refusal = "[h264_nvenc @ 0x1] OpenEncodeSessionEx failed: out of memory (10): (no details)";
    expect(isNvencSessionRefusal([refusal])).toBe(true);
    expect(isNvencSessionRefusal(["OpenEncodeSessionEx failed: incompatible client key (21): (no details)"])).toBe(
      true,
    );
    expect(isNvencSessionRefusal(["[h264_nvenc @ 0x1] No capable devices found"])).toBe(false);
  });
});
