import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import {
  buildCorpus,
  loadCorpus,
  packageFilesDir,
  sha256OfFile,
} from "../../lib/data/corpus_builder.ts";
import {
  type CorpusManifest,
  loadManifest,
  photosOfSet,
  validateManifest,
} from "../../lib/data/manifest.ts";
import { extractedPath, PackageVersionError } from "../../lib/data/package_fetch.ts";
import { splitOfPhoto, splitPhotos } from "../../lib/data/split.ts";
import { CORPUS_CACHE } from "./_cache.ts";

const manifest = await loadManifest();

Deno.test("loadManifest lists the ci packages", () => {
  const ci = photosOfSet(manifest, "ci");
  const packages = [...new Set(ci.map((p) => p.package))].sort();
  assertEquals(packages, [
    "darknet",
    "python-matplotlib-data",
    "python3-skimage",
    "python3-sklearn",
  ]);
  assertEquals(ci.length, 14);
});

Deno.test("loadManifest covers every photo licence", () => {
  for (const photo of manifest.photos) {
    assert(photo.licence.length > 0, `${photo.id} has no licence`);
    assert(Math.min(photo.width, photo.height) >= 256, `${photo.id} is smaller than 256 px`);
  }
  assertEquals(manifest.photos.length, 96);
});

Deno.test("validateManifest rejects repeated ids", () => {
  const copy = structuredClone(manifest) as CorpusManifest;
  copy.photos.push(copy.photos[0]);
  assertThrows(() => validateManifest(copy, "copy"), Error, "repeats the id");
});

Deno.test("validateManifest rejects invalid sha256", () => {
  const copy = structuredClone(manifest) as CorpusManifest;
  copy.photos[3].sha256 = "abc";
  assertThrows(
    () => validateManifest(copy, "copy"),
    Error,
    `photos[3] (${copy.photos[3].id}) has an invalid sha256`,
  );
});

Deno.test("splitOfPhoto is deterministic", () => {
  for (const photo of manifest.photos) assertEquals(splitOfPhoto(photo.id), splitOfPhoto(photo.id));
});

Deno.test("splitOfPhoto is stable when photos are added", () => {
  const before = splitPhotos(manifest.photos);
  const more = [
    ...manifest.photos.map((p) => ({ id: p.id })),
    ...Array.from({ length: 50 }, (_, i) => ({ id: `new/${i}` })),
  ];
  const after = splitPhotos(more);
  assertEquals(
    after.test.filter((p) => !p.id.startsWith("new/")).map((p) => p.id),
    before.test.map((p) => p.id),
  );
  assertEquals(
    after.train.filter((p) => !p.id.startsWith("new/")).map((p) => p.id),
    before.train.map((p) => p.id),
  );
});

Deno.test("splitOfPhoto matches the test fraction", () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => ({ id: `photo-${i}` }));
  // Binomial(10000, 0.2) has standard deviation 40; 5 standard deviations either side.
  const tests = splitPhotos(ids).test.length;
  assert(tests > 1800, `test side has ${tests} of 10000`);
  assert(tests < 2200, `test side has ${tests} of 10000`);
  assertEquals(splitPhotos(ids, { testFraction: 0 }).test.length, 0);
  assertEquals(splitPhotos(ids, { testFraction: 1 }).train.length, 0);
});

Deno.test("splitOfPhoto changes with the salt", () => {
  const ids = manifest.photos.map((p) => p.id);
  const a = ids.map((id) => splitOfPhoto(id));
  const b = ids.map((id) => splitOfPhoto(id, { salt: "another" }));
  assert(a.some((side, i) => side !== b[i]));
});

Deno.test("splitOfPhoto rejects invalid fraction", () => {
  assertThrows(() => splitOfPhoto("x", { testFraction: 1.5 }), RangeError, "1.5");
});

Deno.test("buildCorpus builds the ci set", async () => {
  const index = await buildCorpus({ manifest, set: "ci", cacheDir: CORPUS_CACHE });
  assertEquals(index.skipped, []);
  assertEquals(index.photos.length, 14);
  for (const photo of index.photos) {
    assertEquals(await sha256OfFile(photo.file), photo.sha256);
    assertEquals(photo.split, splitOfPhoto(photo.id));
  }
  const sides = new Set(index.photos.map((p) => p.split));
  assertEquals([...sides].sort(), ["test", "train"]);
  const loaded = await loadCorpus(CORPUS_CACHE, "ci");
  assertEquals(loaded.photos.map((p) => p.id), index.photos.map((p) => p.id));
});

/** Creates a scratch cache that shares the downloaded archives of the real one. */
async function scratchCache(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "wetok-corpus-test-" });
  await Deno.mkdir(join(CORPUS_CACHE, "packages"), { recursive: true });
  await Deno.symlink(join(CORPUS_CACHE, "packages"), join(dir, "packages"));
  return dir;
}

Deno.test("buildCorpus skips a hash mismatch", async () => {
  const dir = await scratchCache();
  try {
    const copy = structuredClone(manifest) as CorpusManifest;
    copy.photos = copy.photos.filter((p) => p.package === "python3-sklearn");
    copy.photos[0].sha256 = "0".repeat(64);
    const index = await buildCorpus({ manifest: copy, set: "ci", cacheDir: dir });
    assertEquals(index.photos.map((p) => p.id), [copy.photos[1].id]);
    assertEquals(index.skipped.map((s) => s.id), [copy.photos[0].id]);
    assertStringIncludes(index.skipped[0].reason, "does not match");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildCorpus skips a corrupt photo", async () => {
  const dir = await scratchCache();
  try {
    const copy = structuredClone(manifest) as CorpusManifest;
    copy.photos = copy.photos.filter((p) => p.package === "python3-sklearn");
    // Truncate one file in place and list the truncated file's hash, so only decoding can fail.
    const victim = copy.photos[0];
    const file = extractedPath(packageFilesDir(dir, victim.package), victim.path);
    await buildCorpus({ manifest: copy, set: "ci", cacheDir: dir, decodeCheck: false });
    const bytes = await Deno.readFile(file);
    await Deno.writeFile(file, bytes.subarray(0, bytes.length >> 1));
    victim.sha256 = (await sha256OfFile(file))!;
    const index = await buildCorpus({ manifest: copy, set: "ci", cacheDir: dir });
    assertEquals(index.skipped.map((s) => s.id), [victim.id]);
    assertStringIncludes(index.skipped[0].reason, file);
    assertEquals(index.photos.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildCorpus names an unserved version", async () => {
  const dir = await Deno.makeTempDir({ prefix: "wetok-corpus-test-" });
  try {
    const copy = structuredClone(manifest) as CorpusManifest;
    copy.photos = copy.photos.filter((p) => p.package === "python3-sklearn");
    copy.packages["python3-sklearn"].version = "0.0.1-gone";
    const err = await assertRejects(
      () => buildCorpus({ manifest: copy, set: "ci", cacheDir: dir }),
      PackageVersionError,
    );
    assertStringIncludes(err.message, "python3-sklearn version 0.0.1-gone");
    assertStringIncludes(err.message, `found: ${manifest.packages["python3-sklearn"].version}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCorpus names the build command", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assertRejects(() => loadCorpus(dir, "full"), Error, "deno task corpus --set full");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
