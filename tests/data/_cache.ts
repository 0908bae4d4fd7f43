/** Corpus cache folder that the data and metrics tests share with `deno task corpus`. */
import { fileURLToPath } from "node:url";

/**
 * Folder of the downloaded packages and the built corpora: `WETOK_CACHE` when
 * set, else `.cache/wetok` in the repository root, as for `deno task corpus`.
 * The ci set downloads about 29 MB of Debian packages once, and later runs
 * reuse them.
 */
export const CORPUS_CACHE = Deno.env.get("WETOK_CACHE") ??
  fileURLToPath(new URL("../../.cache/wetok", import.meta.url));
