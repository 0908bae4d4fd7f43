/**
 * Builds the photo corpus from lib/data/manifest.json: downloads the packages,
 * extracts and verifies the listed photos, and writes the corpus index with the
 * train/test split. Photos that fail their hash or do not decode are skipped
 * and listed; the exit status is 1 when any was skipped.
 *
 * Usage: deno task corpus [--set ci|full] [--cache DIR] [--no-decode-check]
 *   --set    which photos: "ci" (4 small packages, 29 MB) or "full" (all 96 photos, 356 MB)
 *   --cache  cache folder (default: WETOK_CACHE, else .cache/wetok under the repository root)
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { buildCorpus } from "../lib/data/corpus_builder.ts";
import { CORPUS_SETS, type CorpusSet, loadManifest } from "../lib/data/manifest.ts";
import { log } from "../lib/io/log.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    set: { type: "string", default: "ci" },
    cache: { type: "string" },
    "no-decode-check": { type: "boolean", default: false },
  },
});
const set = values.set as CorpusSet;
if (!CORPUS_SETS.includes(set)) {
  throw new Error(`invalid --set "${values.set}": expected one of ${CORPUS_SETS.join(", ")}`);
}
const cacheDir = values.cache ?? Deno.env.get("WETOK_CACHE") ??
  fileURLToPath(new URL("../.cache/wetok", import.meta.url));

const index = await buildCorpus({
  manifest: await loadManifest(),
  set,
  cacheDir,
  decodeCheck: !values["no-decode-check"],
});
for (const skipped of index.skipped) log.warn(`skipped ${skipped.id}: ${skipped.reason}`);
console.log(JSON.stringify({
  set,
  cacheDir,
  photos: index.photos.length,
  train: index.photos.filter((p) => p.split === "train").length,
  test: index.photos.filter((p) => p.split === "test").length,
  skipped: index.skipped.map((s) => s.id),
}));
if (index.skipped.length > 0) Deno.exit(1);
