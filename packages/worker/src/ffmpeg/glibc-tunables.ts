/**
 * Gives every program the worker starts from now on (ffmpeg, ffprobe, the
 * probe server, the ffmpeg spawner, and setpriv in front of ffmpeg where the
 * spawner is not used) FFMPEG_GLIBC_TUNABLES as its GLIBC_TUNABLES: glibc's
 * malloc settings that spare ffmpeg most of its page faults
 * (docs/adr/0034-malloc-settings-for-ffmpeg.md). It goes into this process's
 * environment, which Node's spawn and the spawner (started after it) hand
 * on, rather than into each spawn: one place, and the start-up test encodes
 * run as jobs will. glibc reads GLIBC_TUNABLES only when a program starts, so
 * the worker's own Node keeps the settings it started with. Undefined
 * (FFMPEG_GLIBC_TUNABLES=off): the children get whatever GLIBC_TUNABLES the
 * worker itself was given.
 */
export function tuneChildMalloc(tunables: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  if (tunables !== undefined) env.GLIBC_TUNABLES = tunables;
}
