import { accessSync, constants } from "node:fs";

/** Where Debian (util-linux, Essential, so also in node:*-slim images) and other distributions put setpriv. */
const SETPRIV_CANDIDATES = ["/usr/bin/setpriv", "/bin/setpriv"];

let setprivFound: string | null | undefined;

/** setpriv's path on this Linux machine, or null; looked up once. */
export function findSetpriv(): string | null {
  if (setprivFound === undefined) {
    setprivFound =
      process.platform !== "linux"
        ? null
        : (SETPRIV_CANDIDATES.find((candidate) => {
            try {
              accessSync(candidate, constants.X_OK);
              return true;
            } catch {
              return false;
            }
          }) ?? null);
  }
  return setprivFound;
}

export type SpawnCommand = {
  command: string;
  args: string[];
  /** True when setpriv stands in front of the program (its own exec failure looks like an exit status). */
  viaSetpriv: boolean;
};

/**
 * The command that starts a program which must die with this worker. A worker
 * killed by SIGKILL (OOM killer, `kill -9`, a crash) runs no handler of ours,
 * and ffmpeg ignores SIGPIPE, so losing its progress pipe does not stop it: it
 * would run on as an orphan, burning CPU and writing a temporary file nobody
 * publishes while another worker encodes the same job. util-linux's setpriv
 * sets PR_SET_PDEATHSIG=SIGKILL and exec()s the program in place (same pid,
 * so signals and process groups work as before); the kernel then kills it
 * when its parent dies. PDEATHSIG follows the *thread* that forked the child:
 * Node's spawn forks from the main thread, which lives as long as the process.
 * Without setpriv (not Linux, a minimal image) the program starts directly.
 */
export function dieWithParentCommand(
  program: string,
  args: readonly string[],
  setpriv: string | null = findSetpriv(),
): SpawnCommand {
  if (!setpriv) return { command: program, args: [...args], viaSetpriv: false };
  return { command: setpriv, args: ["--pdeathsig", "KILL", "--", program, ...args], viaSetpriv: true };
}

/**
 * setpriv's exit when it could not exec the program (util-linux: 127 for
 * ENOENT, 126 otherwise, after "setpriv: failed to execute …" on stderr),
 * turned back into the spawn error a direct start would have given.
 */
export function setprivExecError(program: string, exitCode: number | null, firstStderrLine: string | undefined) {
  if ((exitCode !== 127 && exitCode !== 126) || !firstStderrLine?.startsWith("setpriv: failed to execute")) {
    return undefined;
  }
  const code = exitCode === 127 ? "ENOENT" : "EACCES";
  return Object.assign(new Error(`spawn ${program} ${code} (${firstStderrLine})`), { code });
}
