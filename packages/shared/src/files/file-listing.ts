import { z } from "zod";

export const FileEntry = z
  .object({
    name: z.string(),
    path: z.string().meta({ description: "Relative to the media root: what POST /convert and POST /probe take" }),
    is_dir: z.boolean(),
    size_bytes: z.number().int().nullable().meta({ description: "null for a folder" }),
    modified_at: z.string(),
  })
  .meta({ id: "FileEntry" });
export type FileEntry = z.infer<typeof FileEntry>;

/** GET /files: one page of a folder, folders first, then by name. */
export const FileList = z
  .object({
    dir: z.string().meta({ description: "The folder listed, relative to the media root; empty for the root" }),
    entries: z.array(FileEntry),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: "FileList" });
export type FileList = z.infer<typeof FileList>;
