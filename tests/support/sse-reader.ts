/** One Server-Sent Event as a client parses it. */
export type SseEvent = { id?: string; event?: string; data?: string; comment?: string };

/**
 * Reads Server-Sent Events from a streaming response as a client would,
 * frame by frame; `next()` waits (up to `timeoutMs`) for the next frame.
 */
export function sseReader(res: Response, timeoutMs = 5000) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const frames: SseEvent[] = [];
  async function next(): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const parsed: SseEvent = {};
        for (const line of frame.split("\n")) {
          if (line.startsWith(":")) parsed.comment = line.slice(1).trim();
          const colon = line.indexOf(": ");
          const field = line.slice(0, colon);
          if (colon > 0 && (field === "id" || field === "event" || field === "data"))
            parsed[field] = line.slice(colon + 2);
        }
        if (parsed.id || parsed.event || parsed.data || parsed.comment) {
          frames.push(parsed);
          return parsed;
        }
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms; got ${JSON.stringify(frames)}`);
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), left)),
      ]);
      if (chunk.done) throw new Error("the stream ended");
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  }
  /** The next frame that is an event (comments skipped). */
  async function nextEvent(): Promise<SseEvent & { event: string; data: string; id: string }> {
    for (;;) {
      const frame = await next();
      if (frame.event && frame.data !== undefined && frame.id)
        return frame as SseEvent & { event: string; data: string; id: string };
    }
  }
  return { next, nextEvent, close: () => reader.cancel().catch(() => undefined) };
}
