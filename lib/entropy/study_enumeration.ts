/**
 * Float64 enumeration of the mean code distribution `pbar` in cache-sized
 * tiles, for the approximation-error study of the codebook entropy (WeTok,
 * arXiv 2508.05599).
 *
 * Each token's soft assignment is a product of independent bits, so the
 * `w` enumerated bits split into a low half A (`floor(w/2)` bits) and a high
 * half B, and `pbar[a, b] = (1/T) sum_t PA[t, a] PB[t, b]` is a matrix product
 * of two `[T, 2^(w/2)]` tables. The product is computed tile by tile with a
 * 4 x 2 register-blocked dot product, so the memory is `O(T 2^(w/2))` and the
 * time `O(T 2^w)`. At d = 24 with 1,024 tokens that is 1.7e10 multiply-adds,
 * which took about a minute on one core of a shared 2-core x86_64 machine
 * (the whole analysis of one latent set, measured once; an estimate).
 *
 * Numerics: every factor is a probability in [0, 1], so nothing overflows and
 * no log-sum-exp shift is needed. A code whose probability underflows below
 * the smallest float64 (about 5e-324) is visited as 0 and would contribute
 * less than 1e-320 nats to any entropy.
 *
 * Code index convention: bit `j` of the index is bit `bitList[j]` of the code
 * (least-significant first), so the index is `a + 2^(w/2) * b`.
 */
import {
  checkBitList as checkReferenceBitList,
  checkLogitMatrix,
  type LogitMatrix,
  sigmoid64,
} from "./reference.ts";

/** Default budget of the two half tables, in bytes (1 GiB). */
export const DEFAULT_ENUMERATION_MAX_BYTES = 2 ** 30;

/** Widest enumeration accepted, in bits (2^30 codes). */
export const MAX_ENUMERATED_BITS = 30;

/** Side of a square tile of `pbar`, in codes (64 x 64 float64 = 32 KiB). */
const TILE = 64;

/** One tile of `pbar`: rows are low-half codes, columns high-half codes. */
export interface CodeTile {
  /** `pbar` of the tile, row-major `[lowCount, highCount]`. */
  probabilities: Float64Array;
  /** First low-half code of the tile. */
  lowStart: number;
  /** Number of low-half codes (rows). */
  lowCount: number;
  /** First high-half code of the tile. */
  highStart: number;
  /** Number of high-half codes (columns). */
  highCount: number;
}

/** Split of an enumerated bit list into its two halves. */
export interface HalfSplit {
  /** Bits of the low half, in index order. */
  low: number[];
  /** Bits of the high half, in index order. */
  high: number[];
}

/** Splits a bit list into the low half (`floor(w/2)` bits) and the high half. */
export function splitHalves(bitList: readonly number[]): HalfSplit {
  const lowWidth = Math.floor(bitList.length / 2);
  return { low: bitList.slice(0, lowWidth), high: bitList.slice(lowWidth) };
}

/** Returns the bytes of the two transposed half tables for `tokens` tokens over `width` bits. */
export function enumerationBytes(tokens: number, width: number): number {
  const lowWidth = Math.floor(width / 2);
  return 8 * tokens * (2 ** lowWidth + 2 ** (width - lowWidth));
}

/** Throws unless `bitList` contains distinct bit indices of `m`, at least one. */
export function checkBitList(m: LogitMatrix, bitList: readonly number[], name: string): void {
  checkReferenceBitList(m, bitList, name);
  if (bitList.length === 0) throw new RangeError(`${name}: empty bit list; give at least one bit`);
}

/**
 * Builds the transposed table `P[c, t]` (row-major `[2^w, T]`) of the
 * probability of sub-code `c` over the bits of `bitList` for every token,
 * by the doubling construction of the product of bit probabilities.
 */
export function transposedHalfTable(m: LogitMatrix, bitList: readonly number[]): Float64Array {
  const width = bitList.length;
  const codes = 2 ** width;
  const tokens = m.tokens;
  const table = new Float64Array(codes * tokens);
  const row = new Float64Array(codes);
  for (let t = 0; t < tokens; t++) {
    row[0] = 1;
    for (let j = 0; j < width; j++) {
      const a = m.data[t * m.bits + bitList[j]];
      const one = sigmoid64(a);
      const zero = sigmoid64(-a);
      const span = 2 ** j;
      for (let c = 0; c < span; c++) {
        const p = row[c];
        row[span + c] = p * one;
        row[c] = p * zero;
      }
    }
    for (let c = 0; c < codes; c++) table[c * tokens + t] = row[c];
  }
  return table;
}

/** Options of {@link visitCodeTiles}. */
export interface EnumerationOptions {
  /** Budget of the half tables in bytes (default 1 GiB); above it the call throws. */
  maxBytes?: number;
  /** Called after each row of tiles with the fraction of codes done, in [0, 1]. */
  onProgress?: (fraction: number) => void;
}

/**
 * Calls `visit` with every tile of `pbar` over the codes of `bitList` (default
 * all bits of `m`). The tile buffer is reused, so `visit` must copy what it keeps.
 *
 * @throws RangeError when the bit list is invalid, wider than 30 bits, or the
 *   half tables exceed `maxBytes`.
 */
export function visitCodeTiles(
  m: LogitMatrix,
  visit: (tile: CodeTile) => void,
  bitList?: readonly number[],
  options: EnumerationOptions = {},
): void {
  checkLogitMatrix(m, "visitCodeTiles");
  const list = bitList ?? Array.from({ length: m.bits }, (_, k) => k);
  checkBitList(m, list, "visitCodeTiles");
  if (list.length > MAX_ENUMERATED_BITS) {
    throw new RangeError(
      `visitCodeTiles: 2^${list.length} codes exceed the limit of 2^${MAX_ENUMERATED_BITS}; ` +
        `use groups of fewer bits`,
    );
  }
  const maxBytes = options.maxBytes ?? DEFAULT_ENUMERATION_MAX_BYTES;
  const bytes = enumerationBytes(m.tokens, list.length);
  if (bytes > maxBytes) {
    throw new RangeError(
      `visitCodeTiles: ${m.tokens} tokens over 2^${list.length} codes need ` +
        `${(bytes / 2 ** 20).toFixed(0)} MiB of half tables, above the budget of ` +
        `${(maxBytes / 2 ** 20).toFixed(0)} MiB; use fewer tokens or raise maxBytes`,
    );
  }

  const { low, high } = splitHalves(list);
  const lowTable = transposedHalfTable(m, low);
  const highTable = transposedHalfTable(m, high);
  const lowCodes = 2 ** low.length;
  const highCodes = 2 ** high.length;
  const tokens = m.tokens;
  const scale = 1 / tokens;
  const buffer = new Float64Array(TILE * TILE);

  for (let lowStart = 0; lowStart < lowCodes; lowStart += TILE) {
    const lowCount = Math.min(TILE, lowCodes - lowStart);
    for (let highStart = 0; highStart < highCodes; highStart += TILE) {
      const highCount = Math.min(TILE, highCodes - highStart);
      multiplyTile(lowTable, highTable, tokens, lowStart, lowCount, highStart, highCount, buffer);
      const size = lowCount * highCount;
      for (let i = 0; i < size; i++) buffer[i] *= scale;
      visit({ probabilities: buffer.subarray(0, size), lowStart, lowCount, highStart, highCount });
    }
    options.onProgress?.((lowStart + lowCount) / lowCodes);
  }
}

/**
 * Writes `out[i, j] = sum_t A[lowStart + i, t] B[highStart + j, t]` for one
 * tile. Full 4 x 2 blocks accumulate eight sums in local variables, which the
 * JIT can keep in registers. Edges fall back to single dot products.
 */
function multiplyTile(
  a: Float64Array,
  b: Float64Array,
  tokens: number,
  lowStart: number,
  lowCount: number,
  highStart: number,
  highCount: number,
  out: Float64Array,
): void {
  const fullRows = lowCount - (lowCount % 4);
  const fullCols = highCount - (highCount % 2);
  for (let i = 0; i < fullRows; i += 4) {
    const a0 = (lowStart + i) * tokens;
    const a1 = a0 + tokens;
    const a2 = a1 + tokens;
    const a3 = a2 + tokens;
    for (let j = 0; j < fullCols; j += 2) {
      const b0 = (highStart + j) * tokens;
      const b1 = b0 + tokens;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let t = 0; t < tokens; t++) {
        const x0 = a[a0 + t], x1 = a[a1 + t], x2 = a[a2 + t], x3 = a[a3 + t];
        const y0 = b[b0 + t], y1 = b[b1 + t];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s20 += x2 * y0;
        s21 += x2 * y1;
        s30 += x3 * y0;
        s31 += x3 * y1;
      }
      const o = i * highCount + j;
      out[o] = s00;
      out[o + 1] = s01;
      out[o + highCount] = s10;
      out[o + highCount + 1] = s11;
      out[o + 2 * highCount] = s20;
      out[o + 2 * highCount + 1] = s21;
      out[o + 3 * highCount] = s30;
      out[o + 3 * highCount + 1] = s31;
    }
  }
  // Edges: the rows after the last full block of 4, and the odd last column.
  for (let i = 0; i < lowCount; i++) {
    const firstCol = i < fullRows ? fullCols : 0;
    const rowBase = (lowStart + i) * tokens;
    for (let j = firstCol; j < highCount; j++) {
      const colBase = (highStart + j) * tokens;
      let s = 0;
      for (let t = 0; t < tokens; t++) s += a[rowBase + t] * b[colBase + t];
      out[i * highCount + j] = s;
    }
  }
}

/**
 * Computes the exact entropy `H(pbar)` in nats over the codes of `bitList`
 * (default all bits) by tiled enumeration. It is a marginal entropy when
 * `bitList` is a subset.
 */
export function enumeratedEntropy(
  m: LogitMatrix,
  bitList?: readonly number[],
  options: EnumerationOptions = {},
): number {
  let h = 0;
  visitCodeTiles(m, (tile) => {
    const p = tile.probabilities;
    for (let i = 0; i < p.length; i++) {
      const v = p[i];
      if (v > 0) h -= v * Math.log(v);
    }
  }, bitList, options);
  return h;
}

/**
 * Computes the table of `pbar` over the codes of `bitList` (at most 26 bits,
 * 512 MiB of float64), entry `c` having bit `j` equal to bit `bitList[j]`.
 */
export function enumeratedDistribution(
  m: LogitMatrix,
  bitList: readonly number[],
  options: EnumerationOptions = {},
): Float64Array {
  if (bitList.length > 26) {
    throw new RangeError(
      `enumeratedDistribution: a table of 2^${bitList.length} float64 values does not fit in ` +
        `memory; use enumeratedEntropy, which does not store the table`,
    );
  }
  const lowCodes = 2 ** splitHalves(bitList).low.length;
  const table = new Float64Array(2 ** bitList.length);
  visitCodeTiles(m, (tile) => {
    const p = tile.probabilities;
    for (let i = 0; i < tile.lowCount; i++) {
      for (let j = 0; j < tile.highCount; j++) {
        table[tile.lowStart + i + lowCodes * (tile.highStart + j)] = p[i * tile.highCount + j];
      }
    }
  }, bitList, options);
  return table;
}
