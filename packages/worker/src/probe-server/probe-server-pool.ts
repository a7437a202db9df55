import type { Logger } from "@converter/shared/logger";
import {
  type MediaProber,
  outcomeOfJson,
  PROBE_TIMED_OUT,
  PROBED_FD_PATH,
  type ProbeHow,
  type ProbeOutcome,
  type ProbeSource,
  unreadable,
} from "@converter/shared/probe";
import type { ProbeServerProcess, ServerAnswer } from "./probe-server-process.js";

export type ProbeServerPoolOptions = {
  /** Starts one more server (ProbeServerProcess.start with the binary). */
  startServer: () => Promise<ProbeServerProcess>;
  /** Servers at most: one probe each at a time. More probes than this wait their turn. */
  maxServers: number;
  /** ffprobe per file: used when a server cannot start or dies mid-answer, so that no probe fails for the worker's sake. */
  fallback: MediaProber;
  log: Logger;
  /** Servers already started (the one that passed the version check). */
  started?: ProbeServerProcess[];
};

export type ProbeServerPool = { probe: MediaProber; close(): void };

/**
 * Probes through a few long-lived probe servers (ADR 0033): each answers one
 * file at a time, so a file that keeps a server's child busy until the
 * timeout holds up only that server. A server that dies is replaced on the
 * next probe; the probe it was answering goes to ffprobe instead.
 */
export function createProbeServerPool(options: ProbeServerPoolOptions): ProbeServerPool {
  const idle = [...(options.started ?? [])];
  const waiters: (() => void)[] = [];
  let count = idle.length;
  let closed = false;

  async function acquire(): Promise<ProbeServerProcess> {
    for (;;) {
      const server = idle.pop();
      if (server?.alive) return server;
      if (server) {
        count--;
        continue;
      }
      if (count < options.maxServers) {
        count++;
        try {
          return await options.startServer();
        } catch (error) {
          count--;
          waiters.shift()?.();
          throw error;
        }
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }

  function release(server: ProbeServerProcess): void {
    if (server.alive && !closed) idle.push(server);
    else {
      count--;
      server.close();
    }
    waiters.shift()?.();
  }

  async function probe(source: ProbeSource, how: ProbeHow = {}): Promise<ProbeOutcome> {
    if (closed) return options.fallback(source);
    // The server is this process's child: /proc/<pid>/fd/<n> opens the very file the worker holds (ADR 0020).
    const path = typeof source === "string" ? source : `/proc/${process.pid}/fd/${source.fd}`;
    let server: ProbeServerProcess;
    try {
      server = await acquire();
    } catch (error) {
      options.log.warn({ err: (error as Error).message }, "probe-server could not start; probing with ffprobe");
      return options.fallback(source);
    }
    let answer: ServerAnswer;
    try {
      answer = await server.probe(path, how);
    } catch (error) {
      options.log.warn({ err: (error as Error).message }, "probe-server failed; probing this file with ffprobe");
      return options.fallback(source);
    } finally {
      release(server);
    }
    return outcomeOf(answer, path, source);
  }

  return {
    probe,
    close() {
      closed = true;
      for (const server of idle.splice(0)) server.close();
    },
  };
}

/** The answer in probeMedia's words: ffprobe, given a descriptor, names the file /dev/fd/3. */
function outcomeOf(answer: ServerAnswer, path: string, source: ProbeSource): ProbeOutcome {
  if (answer.kind === "timeout") return PROBE_TIMED_OUT;
  if (answer.kind === "ok") return outcomeOfJson(answer.text);
  return unreadable(typeof source === "string" ? answer.text : answer.text.replaceAll(path, PROBED_FD_PATH));
}
