import { spawn } from "node:child_process";
import { dieWithParentCommand, setprivExecError } from "./spawn-command.js";

/** What runFfmpeg hears from the process it started, in this order: spawn or error, then output, then close. */
export type ProcessListener = {
  spawn(pid: number | undefined): void;
  stdout(chunk: string): void;
  stderr(chunk: string): void;
  /** It could not be started (ENOENT, EACCES, …); nothing else follows. */
  error(error: Error): void;
  /** It exited and both of its output streams ended. */
  close(exitCode: number | null, signal: NodeJS.Signals | null): void;
};

export type StartedProcess = {
  /** Signals the process group the program leads, and whatever is left of it once the program has exited. */
  signalGroup(signal: NodeJS.Signals): void;
};

/**
 * Starts a program that must die with this worker, in a process group of its
 * own, with /dev/null as stdin, stdout and stderr as text, and `fds` as its
 * fd 3, 4, …. Two ways: Node's spawn (startWithNode) or the ffmpeg spawner
 * (docs/adr/0040-ffmpeg-spawner.md).
 */
export type ProcessStarter = (
  program: string,
  args: readonly string[],
  fds: readonly number[],
  listener: ProcessListener,
) => StartedProcess;

/**
 * Node's spawn: fork() of the worker, then setpriv (PR_SET_PDEATHSIG, see
 * dieWithParentCommand), then the program. What the worker does when the
 * spawner is off, not built, or failed.
 */
export const startWithNode: ProcessStarter = (program, args, fds, listener) => {
  const command = dieWithParentCommand(program, args);
  // setpriv exec()s the program in place: the group's leader is the program itself.
  const child = spawn(command.command, command.args, {
    stdio: ["ignore", "pipe", "pipe", ...fds],
    shell: false,
    detached: true,
  });
  // Enough of stderr to hold setpriv's one line when it cannot exec the program.
  let stderrStart = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => listener.stdout(chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    if (stderrStart.length < 4096) stderrStart += chunk;
    listener.stderr(chunk);
  });
  child.once("spawn", () => listener.spawn(child.pid));
  child.once("error", (error) => listener.error(error));
  child.once("close", (exitCode, signal) => {
    const firstLine = stderrStart.split(/\r?\n|\r/).find((line) => line.trim() !== "");
    const execError = command.viaSetpriv ? setprivExecError(program, exitCode, firstLine) : undefined;
    if (execError) listener.error(execError);
    else listener.close(exitCode, signal);
  });
  return {
    signalGroup(signal) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group is gone already (or never formed): signal the process itself.
        child.kill(signal);
      }
    },
  };
};
