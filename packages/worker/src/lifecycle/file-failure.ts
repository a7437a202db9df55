import { diskFull } from "./disk-space.js";
import { type PermanentFailure, permanent, type TransientFailure } from "./job-failure.js";

/**
 * What the filesystem's refusals mean for the job, said about the path as the
 * client named it. None of these improves on another attempt, so they fail
 * the job at once; and the message is composed here, never the system's own
 * (which names this node's paths, /proc/self/fd/… included).
 */
const PERMANENT_ERRNOS: Record<string, string> = {
  EROFS: "is on a read-only filesystem on the worker",
  EACCES: "cannot be written or read by the worker (permission denied)",
  EPERM: "cannot be written or read by the worker (operation not permitted)",
  ENAMETOOLONG: "is too long for the worker's filesystem",
  EISDIR: "is a folder",
  ENOTDIR: "goes through something that is not a folder",
  ELOOP: "goes through a symlink",
};

/** The job's failure for a filesystem error about `shown` (the client's path), or undefined when it is not one of these. */
export function fileFailure(error: unknown, shown: string): PermanentFailure | TransientFailure | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return diskFull(shown, "the worker could not write there");
  const reason = code ? PERMANENT_ERRNOS[code] : undefined;
  return reason ? permanent("invalid_path", `${shown} ${reason}`) : undefined;
}

/**
 * A message safe to show a client: this node's media root and the worker's
 * descriptor paths taken out, whatever text it comes from (an unexpected
 * error's message).
 */
export function withoutNodePaths(text: string, mediaRoot: string): string {
  return text
    .replaceAll(`${mediaRoot}/`, "")
    .replaceAll(mediaRoot, "(media root)")
    .replace(/\/proc\/self\/fd\/\d+\/?/g, "")
    .replace(/\/dev\/fd\/\d+/g, "(file)");
}
