/**
 * Deterministic train/test split by photo, never by crop.
 *
 * Each photo's side is decided from a hash of its id alone, so adding or
 * removing other photos never moves a photo from one side to the other.
 */
import { createHash } from "node:crypto";

/** The two sides of the split. */
export type Split = "train" | "test";

/** Options of {@link splitOfPhoto}. */
export interface SplitOptions {
  /** Expected share of photos in the test side, in [0, 1] (default 0.2). */
  testFraction?: number;
  /** Text mixed into the hash; a new salt draws a new split (default "wetok-photo-split-v1"). */
  salt?: string;
}

/** Default {@link SplitOptions.testFraction}. */
export const DEFAULT_TEST_FRACTION = 0.2;
/** Default {@link SplitOptions.salt}. */
export const DEFAULT_SPLIT_SALT = "wetok-photo-split-v1";

/**
 * Returns the side of one photo: SHA-256 of `salt + "\0" + id`, read as a
 * number in [0, 1) from its first 48 bits, goes to "test" when below `testFraction`.
 *
 * @throws RangeError when `testFraction` is outside [0, 1].
 */
export function splitOfPhoto(id: string, options: SplitOptions = {}): Split {
  const fraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new RangeError(`testFraction must be in [0, 1], got ${fraction}`);
  }
  const digest = createHash("sha256").update(`${options.salt ?? DEFAULT_SPLIT_SALT}\0${id}`)
    .digest();
  const u = digest.readUIntBE(0, 6) / 2 ** 48;
  return u < fraction ? "test" : "train";
}

/** Partitions items by the split of their `id`, keeping their order. */
export function splitPhotos<T extends { id: string }>(
  photos: readonly T[],
  options: SplitOptions = {},
): { train: T[]; test: T[] } {
  const train: T[] = [];
  const test: T[] = [];
  for (const photo of photos) {
    (splitOfPhoto(photo.id, options) === "test" ? test : train).push(photo);
  }
  return { train, test };
}
