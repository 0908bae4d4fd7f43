/**
 * The photo corpus manifest: every photo the project trains or evaluates on,
 * with the package that ships it, the package version, the file's path inside
 * the package, its SHA-256 and its licence.
 *
 * The tracked copy is `lib/data/manifest.json`, written by
 * `tests/fixtures/data_make_manifest.ts` after downloading and hashing every file.
 */
import { fileURLToPath } from "node:url";

/** Registry a package comes from. */
export type PackageSource = "debian" | "npm";

/** Names of the photo sets: `ci` (small packages only) and `full` (every photo). */
export type CorpusSet = "ci" | "full";

/** All set names, smallest first. */
export const CORPUS_SETS: readonly CorpusSet[] = ["ci", "full"];

/** One package the corpus downloads. */
export interface PackageEntry {
  /** Debian binary package name or npm package name. */
  name: string;
  source: PackageSource;
  /** Exact version to download (Debian versions may carry an epoch, e.g. "4:5.27.5-2"). */
  version: string;
  /** Size of the downloaded .deb or .tgz, in bytes, for planning downloads. */
  downloadBytes: number;
}

/** One photo of the corpus. */
export interface PhotoEntry {
  /** Stable identifier such as `python3-skimage/astronaut`; the train/test split is drawn from it. */
  id: string;
  /** Package name; a key of {@link CorpusManifest.packages}. */
  package: string;
  /** Path inside the package, as installed (Debian) or inside the tarball (npm, "package/..."). */
  path: string;
  /** SHA-256 of the file, lowercase hex. */
  sha256: string;
  /** File size in bytes. */
  bytes: number;
  /** Upright size in pixels (EXIF orientation applied). */
  width: number;
  height: number;
  /** Licence as stated by the package (debian/copyright or package.json). */
  licence: string;
  /** Sets this photo belongs to; every photo is in `full`. */
  sets: CorpusSet[];
}

/** One file of a dataset other than photos (IDX files of MNIST and Fashion-MNIST). */
export interface DatasetFileEntry {
  /** Path inside the package, as for {@link PhotoEntry.path}. */
  path: string;
  sha256: string;
  bytes: number;
}

/** A grey-scale dataset stored as IDX files (raw or gzipped) in one package. */
export interface DatasetEntry {
  /** Package name; a key of {@link CorpusManifest.packages}. */
  package: string;
  licence: string;
  trainImages: DatasetFileEntry;
  trainLabels: DatasetFileEntry;
  testImages: DatasetFileEntry;
  testLabels: DatasetFileEntry;
}

/** Names of the IDX datasets of the manifest. */
export type DatasetName = "mnist" | "fashion-mnist";

/** The whole manifest. */
export interface CorpusManifest {
  /** Format version of this file. */
  version: 1;
  /** Packages by name. */
  packages: Record<string, PackageEntry>;
  photos: PhotoEntry[];
  /** IDX datasets by name. */
  datasets: Partial<Record<DatasetName, DatasetEntry>>;
}

/** Path of the tracked manifest. */
export const DEFAULT_MANIFEST_PATH = fileURLToPath(new URL("./manifest.json", import.meta.url));

/**
 * Loads and validates a manifest file (default: the tracked `lib/data/manifest.json`).
 *
 * @throws Error naming the file and the first invalid field.
 */
export async function loadManifest(path: string = DEFAULT_MANIFEST_PATH): Promise<CorpusManifest> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new Error(`failed to read corpus manifest ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`corpus manifest ${path} is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return validateManifest(json, path);
}

/**
 * Checks the shape of a parsed manifest and returns it typed.
 *
 * @param origin name used in error messages.
 * @throws Error naming the first invalid field.
 */
export function validateManifest(json: unknown, origin = "manifest"): CorpusManifest {
  const fail = (what: string): never => {
    throw new Error(`invalid corpus manifest ${origin}: ${what}`);
  };
  if (typeof json !== "object" || json === null) fail("expected a JSON object");
  const m = json as Record<string, unknown>;
  if (m.version !== 1) fail(`version must be 1, got ${JSON.stringify(m.version)}`);
  if (typeof m.packages !== "object" || m.packages === null) fail("packages must be an object");
  if (!Array.isArray(m.photos)) fail("photos must be an array");
  if (typeof m.datasets !== "object" || m.datasets === null) fail("datasets must be an object");

  const packages = m.packages as Record<string, PackageEntry>;
  for (const [name, pkg] of Object.entries(packages)) {
    if (pkg?.name !== name) fail(`package key "${name}" does not match its name "${pkg?.name}"`);
    if (pkg.source !== "debian" && pkg.source !== "npm") {
      fail(`package ${name} has invalid source "${pkg.source}" (expected debian or npm)`);
    }
    if (typeof pkg.version !== "string" || pkg.version === "") {
      fail(`package ${name} has no version`);
    }
  }

  const ids = new Set<string>();
  for (const [i, photo] of (m.photos as PhotoEntry[]).entries()) {
    const where = `photos[${i}] (${photo?.id ?? "no id"})`;
    if (typeof photo?.id !== "string" || photo.id === "") fail(`${where} has no id`);
    if (ids.has(photo.id)) fail(`${where} repeats the id ${photo.id}`);
    ids.add(photo.id);
    if (!(photo.package in packages)) fail(`${where} names unknown package "${photo.package}"`);
    if (typeof photo.path !== "string" || photo.path.includes("..")) {
      fail(`${where} has an invalid path ${JSON.stringify(photo.path)}`);
    }
    if (!/^[0-9a-f]{64}$/.test(photo.sha256)) fail(`${where} has an invalid sha256`);
    if (!Array.isArray(photo.sets) || !photo.sets.includes("full")) {
      fail(`${where} must list the set "full"`);
    }
    for (const set of photo.sets) {
      if (!CORPUS_SETS.includes(set)) fail(`${where} lists unknown set "${set}"`);
    }
  }
  for (const [name, dataset] of Object.entries(m.datasets as Record<string, DatasetEntry>)) {
    if (!(dataset?.package in packages)) {
      fail(`dataset ${name} names unknown package "${dataset?.package}"`);
    }
    for (const key of ["trainImages", "trainLabels", "testImages", "testLabels"] as const) {
      if (!/^[0-9a-f]{64}$/.test(dataset[key]?.sha256 ?? "")) {
        fail(`dataset ${name} ${key} has no valid sha256`);
      }
    }
  }
  return m as unknown as CorpusManifest;
}

/**
 * Returns the photos of one set, in manifest order.
 *
 * @throws Error for an unknown set name, naming the valid ones.
 */
export function photosOfSet(manifest: CorpusManifest, set: CorpusSet): PhotoEntry[] {
  if (!CORPUS_SETS.includes(set)) {
    throw new Error(`unknown corpus set "${set}": expected one of ${CORPUS_SETS.join(", ")}`);
  }
  return manifest.photos.filter((photo) => photo.sets.includes(set));
}

/** Returns the packages the photos need, each once, in first-use order. */
export function packagesOf(manifest: CorpusManifest, photos: PhotoEntry[]): PackageEntry[] {
  const names = [...new Set(photos.map((photo) => photo.package))];
  return names.map((name) => manifest.packages[name]);
}
