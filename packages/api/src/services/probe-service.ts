import { AppError } from "@converter/shared/errors";
import type { MediaDescription } from "@converter/shared/files";
import { resolveInputPath } from "@converter/shared/media-path";
import { probeMedia } from "@converter/shared/probe";
import { toMediaDescription } from "../views/media-view.js";

/**
 * POST /probe: what a file under the media root holds, read by ffprobe under
 * the rules a job's input gets (docs/adr/0007-hostile-input.md): the same
 * path resolution, only local files in allowed containers, the same time
 * limit. Knows nothing of HTTP.
 */
export class ProbeService {
  constructor(private readonly deps: { mediaRoot: string; ffprobePath: string }) {}

  async describe(input: string): Promise<MediaDescription> {
    const resolved = await resolveInputPath(this.deps.mediaRoot, input);
    if (!resolved.ok) throw resolved.error;
    const { absolute, relative, stats } = resolved.value;
    const probe = await probeMedia(this.deps.ffprobePath, absolute);
    if (!probe.ok) {
      throw new AppError("invalid_media", `${relative}: ${probe.reason.replaceAll(absolute, relative)}`, {
        field: "input",
      });
    }
    return toMediaDescription(relative, stats.size, probe.info);
  }
}
