import { describe, expect, it } from "vitest";
import { SessionStore } from "./session-store.js";

describe("SessionStore", () => {
  it("makes opaque, unguessable ids that are live until they end", () => {
    const store = new SessionStore();
    const a = store.create();
    const b = store.create();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(store.touch(a)).toBe(true);
    expect(store.touch("not-a-session")).toBe(false);
    expect(store.touch(undefined)).toBe(false);
    store.end(a);
    expect(store.touch(a)).toBe(false);
    expect(store.touch(b)).toBe(true);
  });

  it("expires a session left idle, and renews one in use", () => {
    let now = 0;
    const store = new SessionStore(1000, () => now);
    const id = store.create();
    now = 900;
    expect(store.touch(id)).toBe(true);
    now = 1800;
    expect(store.touch(id)).toBe(true);
    now = 2801;
    expect(store.touch(id)).toBe(false);
    expect(store.size).toBe(0);
  });
});
