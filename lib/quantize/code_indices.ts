/**
 * Per-group code indices of a grid of tokens, packed exactly on the host from
 * the integer digits a quantizer computes on the device.
 *
 * A token has `D` digits with radices `r_0 .. r_(D-1)` (2 for every bit of
 * LFQ, GQ and BSQ, the levels for FSQ, the codebook size for VQ). The digits
 * split into `g` consecutive groups of `D/g`. Each group's index is its digits
 * in mixed radix with the first digit least significant. For bits this is the
 * `lsb-first` order of the official WeTok code.
 */
import { codeSpaceSize, unpackDigits } from "./bit_packing.ts";

/** Per-group indices of a `[B, h, w]` grid of tokens. */
export interface CodeIndices {
  /** Token grid `[B, h, w]`. */
  shape: [number, number, number];
  /** Groups `g` per token. */
  groups: number;
  /** Size of one group's code space (`2^(d/g)` for binary codes). */
  groupSize: bigint;
  /**
   * Index of group `k` of token `t` at `t * groups + k`, tokens in row-major
   * `[B, h, w]` order: exact integers in a `Float64Array` when `groupSize` is
   * at most 2^53, `bigint`s otherwise.
   */
  values: Float64Array | bigint[];
}

const TWO_POW_53 = 2n ** 53n;

/** Checks that `radices` split into `groups` equal groups and returns the radices of one group. */
export function groupRadices(radices: readonly number[], groups: number): number[] {
  if (!Number.isInteger(groups) || groups < 1 || radices.length % groups !== 0) {
    throw new RangeError(
      `invalid group count ${groups} for ${radices.length} digits per token: the digit count must be divisible by it`,
    );
  }
  const width = radices.length / groups;
  const first = radices.slice(0, width);
  for (let k = 1; k < groups; k++) {
    if (radices.slice(k * width, (k + 1) * width).some((r, j) => r !== first[j])) {
      throw new RangeError(
        `groups of radices [${radices}] differ; every group needs the same radices`,
      );
    }
  }
  codeSpaceSize(first);
  return first;
}

/**
 * Packs digits `[B, h, w, D]` (row-major) into per-group indices.
 *
 * @param digits integer digits, each in `[0, radix)`.
 * @param shape token grid `[B, h, w]`.
 * @param radices radix of each of the `D` digits of a token.
 * @param groups `g`, a divisor of `D`.
 * @throws RangeError when a digit is out of range or the sizes disagree.
 */
export function packGroupIndices(
  digits: ArrayLike<number>,
  shape: [number, number, number],
  radices: readonly number[],
  groups: number,
): CodeIndices {
  const radixOfGroup = groupRadices(radices, groups);
  const width = radixOfGroup.length;
  const perToken = radices.length;
  const tokens = shape[0] * shape[1] * shape[2];
  if (digits.length !== tokens * perToken) {
    throw new RangeError(
      `packGroupIndices: got ${digits.length} digits, expected ${tokens} tokens x ${perToken} digits`,
    );
  }

  const groupSize = codeSpaceSize(radixOfGroup);
  const count = tokens * groups;
  const exact = groupSize <= TWO_POW_53;
  const values: Float64Array | bigint[] = exact
    ? new Float64Array(count)
    : new Array<bigint>(count);
  const bigRadices = radixOfGroup.map(BigInt);

  // Mixed radix, first digit least significant: Horner's rule from the last digit.
  for (let i = 0; i < count; i++) {
    const base = i * width;
    if (exact) {
      let index = 0;
      for (let j = width - 1; j >= 0; j--) {
        index = index * radixOfGroup[j] + checkedDigit(digits, base + j, radixOfGroup[j]);
      }
      (values as Float64Array)[i] = index;
    } else {
      let index = 0n;
      for (let j = width - 1; j >= 0; j--) {
        index = index * bigRadices[j] + BigInt(checkedDigit(digits, base + j, radixOfGroup[j]));
      }
      (values as bigint[])[i] = index;
    }
  }
  return { shape: [...shape], groups, groupSize, values };
}

function checkedDigit(digits: ArrayLike<number>, at: number, radix: number): number {
  const digit = digits[at];
  if (!Number.isInteger(digit) || digit < 0 || digit >= radix) {
    throw new RangeError(`digit ${digit} at position ${at} is outside [0, ${radix})`);
  }
  return digit;
}

/**
 * Unpacks per-group indices into digits `[B, h, w, D]` (row-major).
 *
 * @param radices radix of each of the `D` digits of a token, as for packing.
 * @throws RangeError when an index is outside its group's code space.
 */
export function unpackGroupIndices(indices: CodeIndices, radices: readonly number[]): Int32Array {
  const radixOfGroup = groupRadices(radices, indices.groups);
  const groupSize = codeSpaceSize(radixOfGroup);
  if (groupSize !== indices.groupSize) {
    throw new RangeError(
      `indices have group size ${indices.groupSize}, but the quantizer's groups have ${groupSize} codes`,
    );
  }
  const tokens = indices.shape[0] * indices.shape[1] * indices.shape[2];
  const count = tokens * indices.groups;
  if (indices.values.length !== count) {
    throw new RangeError(
      `indices hold ${indices.values.length} values, expected ${tokens} tokens x ${indices.groups} groups`,
    );
  }
  const width = radixOfGroup.length;
  const digits = new Int32Array(count * width);
  for (let i = 0; i < count; i++) {
    digits.set(unpackDigits(indices.values[i], radixOfGroup), i * width);
  }
  return digits;
}

/**
 * Joins the per-group indices of each token into one index, group `k` at
 * weight `groupSize^k` (first group least significant): `number`s while the
 * joint code space is at most 2^53, `bigint`s beyond.
 */
export function jointIndices(indices: CodeIndices): Float64Array | bigint[] {
  const { groups, groupSize, values } = indices;
  const tokens = values.length / groups;
  const exact = groupSize ** BigInt(groups) <= TWO_POW_53;
  if (exact) {
    const size = Number(groupSize);
    const out = new Float64Array(tokens);
    for (let t = 0; t < tokens; t++) {
      let index = 0;
      for (let k = groups - 1; k >= 0; k--) index = index * size + Number(values[t * groups + k]);
      out[t] = index;
    }
    return out;
  }
  const out = new Array<bigint>(tokens);
  for (let t = 0; t < tokens; t++) {
    let index = 0n;
    for (let k = groups - 1; k >= 0; k--) {
      index = index * groupSize + BigInt(values[t * groups + k]);
    }
    out[t] = index;
  }
  return out;
}
