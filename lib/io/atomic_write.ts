/**
 * Atomic file writes: every checkpoint, result, table and figure goes through
 * these helpers, so a killed process leaves either the old file or the new one,
 * never a torn file.
 *
 * The data goes to a temporary file in the same directory, is flushed to disk,
 * and is then renamed over the target (rename is atomic on POSIX file systems).
 */
import { dirname, join, basename } from "node:path";

/** Writes `data` to `path` atomically, creating parent directories. */
export async function atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      let offset = 0;
      while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(`failed to write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Writes `value` as indented JSON (with a final newline) to `path` atomically. */
export async function atomicWriteJson(path: string, value: unknown): Promise<void> {
  await atomicWrite(path, JSON.stringify(value, null, 2) + "\n");
}
