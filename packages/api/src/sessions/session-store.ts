import { randomBytes } from "node:crypto";

/** The browser session cookie (docs/adr/0023-web-page.md): an opaque id, never the key. */
export const SESSION_COOKIE = "converter_session";
/** How long a session lasts without use; each authenticated request renews it. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** Sessions held at most: the oldest is dropped past this (a script logging in in a loop cannot fill memory). */
const MAX_SESSIONS = 10_000;

/**
 * Logins made with the API key on the web page, held in the API's memory:
 * the cookie carries a random id that maps to an expiry here, so a stolen
 * cookie is worth nothing after logout or a restart, and the key itself
 * never leaves the server. A restart asks every browser to log in again.
 */
export class SessionStore {
  private readonly sessions = new Map<string, number>();

  constructor(
    private readonly idleMs = SESSION_IDLE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session id (256 random bits, base64url). */
  create(): string {
    const id = randomBytes(32).toString("base64url");
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    this.sessions.set(id, this.now() + this.idleMs);
    return id;
  }

  /** Whether the id names a live session; a live one is renewed (and moves to the end: newest last). */
  touch(id: string | undefined): boolean {
    if (!id) return false;
    const expires = this.sessions.get(id);
    if (expires === undefined) return false;
    this.sessions.delete(id);
    if (expires <= this.now()) return false;
    this.sessions.set(id, this.now() + this.idleMs);
    return true;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }
}
