/**
 * Approximation error of the codebook-entropy estimators of lookup-free
 * quantizers, measured against the exact entropy in float64 (WeTok, arXiv
 * 2508.05599, section on group-wise lookup-free quantization).
 *
 * For per-bit logits of `T` tokens with `d` bits, {@link analyzeApproximation}
 * computes the exact codebook entropy `H(pbar)` over all `2^d` codes and, for
 * each requested grouping (any partition of the bits), the per-group sum
 * `sum_k H(pbar_k)` and its error `sum_k H(pbar_k) - H(pbar)`. It also
 * computes that error a second way, as the total correlation, the divergence
 * `D(pbar || prod_k pbar_k) = sum_c pbar(c) log(pbar(c) / prod_k pbar_k(c_k))`
 * summed over all `2^d` codes, so the identity error = total correlation is
 * checked on every input rather than assumed. The bitwise (BSQ) estimate
 * `sum_bits H(pbar_bit)` and the pooled estimate of the released code,
 * `H(mean_k pbar_k)`, come with it.
 *
 * All entropies are in nats.
 */
import {
  bitwiseEntropyRef,
  checkLogitMatrix,
  entropyOfDistribution,
  type LogitMatrix,
  perSampleEntropyRef,
} from "./reference.ts";
import {
  enumeratedDistribution,
  enumeratedEntropy,
  type EnumerationOptions,
  splitHalves,
  visitCodeTiles,
} from "./study_enumeration.ts";
import { canonicalGrouping, contiguousGrouping, type Grouping } from "./study_grouping.ts";

/** A grouping with a label for tables and figure legends. */
export interface NamedGrouping {
  /** Label, such as `g=4` or `{0,1,2}{3,4,5}`. */
  name: string;
  /** Partition of the bits `0..d-1`. */
  groups: Grouping;
}

/** Options of {@link analyzeApproximation}. */
export interface ApproximationOptions extends EnumerationOptions {
  /** Groupings whose per-group sum is measured. */
  groupings: NamedGrouping[];
  /** Group counts of the pooled estimator (divisors of d, consecutive groups); default none. */
  pooledGroupCounts?: number[];
  /**
   * Whether to compute the total correlation as a divergence over all codes
   * (default true). It costs one table lookup per code and group on top of
   * the enumeration.
   */
  checkDivergence?: boolean;
}

/** The per-group sum of one grouping and its error. */
export interface GroupingError {
  /** Label of the grouping. */
  name: string;
  /** Canonical partition (bits sorted, groups sorted by first bit). */
  groups: number[][];
  /** Number of groups. */
  groupCount: number;
  /** `H(pbar_k)` of each group, in nats. */
  marginalEntropies: number[];
  /** Per-group sum `sum_k H(pbar_k)`, in nats. */
  estimate: number;
  /** `estimate - H(pbar)`, in nats. */
  error: number;
  /** `D(pbar || prod_k pbar_k)` over all codes, in nats; null when not computed. */
  totalCorrelation: number | null;
}

/** The pooled estimator of the released code at one group count. */
export interface PooledEstimate {
  /** Number of consecutive groups pooled. */
  groupCount: number;
  /** `H(mean_k pbar_k)` over the `2^(d/g)` sub-codes, in nats, at most `(d/g) ln 2`. */
  estimate: number;
  /**
   * `g * H(mean_k pbar_k)`, the pooled value on the scale of `d` bits. By
   * concavity of the entropy it is never below the per-group sum.
   */
  scaledEstimate: number;
}

/** Everything measured on one set of logits. */
export interface ApproximationResult {
  /** Number of tokens `T`. */
  tokens: number;
  /** Number of bits `d`. */
  bits: number;
  /** Exact `H(pbar)` over all `2^d` codes, in nats. */
  exactEntropy: number;
  /** Mean over tokens of the per-token entropy, in nats. */
  perSampleEntropy: number;
  /** Bitwise (BSQ) estimate `sum_bits H(pbar_bit)`, in nats. */
  bitwiseEstimate: number;
  /** `bitwiseEstimate - exactEntropy`, in nats. */
  bitwiseError: number;
  /** One entry per requested grouping, in request order. */
  groupings: GroupingError[];
  /** One entry per requested pooled group count. */
  pooled: PooledEstimate[];
  /**
   * Largest absolute difference between a group marginal computed on its
   * own and the same marginal summed from the full `pbar`. It is null when
   * the divergence was not computed.
   */
  marginalMismatch: number | null;
  /** Wall time of the analysis, in seconds. */
  seconds: number;
}

/** One distinct group with its marginal and the index maps from the halves of the full code. */
interface GroupTable {
  bits: number[];
  marginal: Float64Array;
  logMarginal: Float64Array;
  lowIndex: Int32Array;
  highIndex: Int32Array;
  summed: Float64Array;
  crossEntropy: number;
}

/**
 * Builds named groupings of `g` consecutive groups for every `g` in `counts`,
 * labelled `g=<count>`.
 */
export function contiguousGroupings(bits: number, counts: readonly number[]): NamedGrouping[] {
  return counts.map((g) => ({ name: `g=${g}`, groups: contiguousGrouping(bits, g) }));
}

/**
 * Measures the exact codebook entropy and every estimator's value and error
 * on one set of per-bit logits.
 *
 * Time: `O(T 2^d)` for the exact entropy, plus `O(T 2^w)` per distinct group
 * of `w` bits and per pooled group count. Memory: `O(T 2^(d/2))` float64 plus
 * one table per distinct group.
 *
 * @param m per-bit logits `a = 4 u / tau`, row-major `[tokens, bits]`.
 * @throws RangeError when a grouping is not a partition of the `d` bits, a
 *   pooled group count does not divide `d`, or a half table exceeds `maxBytes`.
 */
export function analyzeApproximation(m: LogitMatrix, options: ApproximationOptions): ApproximationResult {
  const started = performance.now();
  checkLogitMatrix(m, "analyzeApproximation");
  const d = m.bits;
  const groupings = options.groupings.map((g) => ({ name: g.name, groups: canonicalGrouping(d, g.groups) }));
  const pooledCounts = options.pooledGroupCounts ?? [];
  for (const g of pooledCounts) contiguousGrouping(d, g);
  const checkDivergence = options.checkDivergence ?? true;

  // Marginal tables of every distinct proper group, each computed on its own.
  const tables = new Map<string, GroupTable>();
  const allBits = Array.from({ length: d }, (_, k) => k);
  const { low } = splitHalves(allBits);
  for (const grouping of groupings) {
    for (const bits of grouping.groups) {
      const key = bits.join(",");
      if (bits.length === d || tables.has(key)) continue;
      const marginal = enumeratedDistribution(m, bits, { maxBytes: options.maxBytes });
      tables.set(key, {
        bits,
        marginal,
        logMarginal: marginal.map((p) => (p > 0 ? Math.log(p) : -Infinity)),
        lowIndex: subCodeIndex(bits, 0, low.length),
        highIndex: subCodeIndex(bits, low.length, d - low.length),
        summed: new Float64Array(marginal.length),
        crossEntropy: 0,
      });
    }
  }

  // One pass over all 2^d codes: the exact entropy and, per group, the
  // cross-entropy -sum_c pbar(c) log pbar_k(c_k) and the marginal re-summed.
  const divergenceTables = checkDivergence ? [...tables.values()] : [];
  let exactEntropy = 0;
  visitCodeTiles(m, (tile) => {
    const p = tile.probabilities;
    for (let i = 0; i < p.length; i++) {
      const v = p[i];
      if (v > 0) exactEntropy -= v * Math.log(v);
    }
    for (const table of divergenceTables) accumulateGroup(table, tile.probabilities, tile);
  }, allBits, options);

  const groupResults: GroupingError[] = groupings.map((grouping) => {
    const marginalEntropies = grouping.groups.map((bits) =>
      bits.length === d ? exactEntropy : entropyOfDistribution(tables.get(bits.join(","))!.marginal)
    );
    const estimate = marginalEntropies.reduce((s, h) => s + h, 0);
    let totalCorrelation: number | null = null;
    if (checkDivergence) {
      // D(pbar || prod_k pbar_k) = sum_k CE_k - H(pbar). A group of all d bits has CE = H.
      const crossSum = grouping.groups.reduce(
        (s, bits) => s + (bits.length === d ? exactEntropy : tables.get(bits.join(","))!.crossEntropy),
        0,
      );
      totalCorrelation = crossSum - exactEntropy;
    }
    return {
      name: grouping.name,
      groups: grouping.groups,
      groupCount: grouping.groups.length,
      marginalEntropies,
      estimate,
      error: estimate - exactEntropy,
      totalCorrelation,
    };
  });

  let marginalMismatch: number | null = null;
  if (checkDivergence) {
    marginalMismatch = 0;
    for (const table of tables.values()) {
      for (let c = 0; c < table.marginal.length; c++) {
        marginalMismatch = Math.max(marginalMismatch, Math.abs(table.summed[c] - table.marginal[c]));
      }
    }
  }

  const pooled = pooledCounts.map((groupCount) => {
    const width = d / groupCount;
    const estimate = groupCount === 1
      ? exactEntropy
      : enumeratedEntropy({ data: m.data, tokens: m.tokens * groupCount, bits: width }, undefined, {
        maxBytes: options.maxBytes,
      });
    return { groupCount, estimate, scaledEstimate: groupCount * estimate };
  });

  const bitwiseEstimate = bitwiseEntropyRef(m);
  return {
    tokens: m.tokens,
    bits: d,
    exactEntropy,
    perSampleEntropy: perSampleEntropyRef(m),
    bitwiseEstimate,
    bitwiseError: bitwiseEstimate - exactEntropy,
    groupings: groupResults,
    pooled,
    marginalMismatch,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Maps each code of one half (bits `[offset, offset + width)` of the full
 * code) to its contribution to the sub-code index of a group: bit `bits[j]`
 * of the code becomes bit `j` of the sub-code.
 */
function subCodeIndex(bits: readonly number[], offset: number, width: number): Int32Array {
  const index = new Int32Array(2 ** width);
  for (let j = 0; j < bits.length; j++) {
    const position = bits[j] - offset;
    if (position < 0 || position >= width) continue;
    for (let c = 0; c < index.length; c++) {
      if ((Math.floor(c / 2 ** position) & 1) === 1) index[c] |= 1 << j;
    }
  }
  return index;
}

/** Adds one tile's share of a group's cross-entropy and re-summed marginal. */
function accumulateGroup(
  table: GroupTable,
  p: Float64Array,
  tile: { lowStart: number; lowCount: number; highStart: number; highCount: number },
): void {
  const { lowIndex, highIndex, logMarginal, summed } = table;
  let cross = 0;
  for (let i = 0; i < tile.lowCount; i++) {
    const lowPart = lowIndex[tile.lowStart + i];
    const row = i * tile.highCount;
    for (let j = 0; j < tile.highCount; j++) {
      const v = p[row + j];
      if (v === 0) continue;
      const c = lowPart | highIndex[tile.highStart + j];
      cross -= v * logMarginal[c];
      summed[c] += v;
    }
  }
  table.crossEntropy += cross;
}
