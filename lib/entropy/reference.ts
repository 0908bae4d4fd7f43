/**
 * Float64 reference implementations in plain JavaScript, for brute-force
 * checks of the tensor estimators and for studies of the approximation error.
 *
 * Inputs are per-bit logits `a = log P(c_k = +1 | u) - log P(c_k = -1 | u)`
 * of `tokens` tokens with `bits` bits each, row-major. All entropies are in
 * nats. Code indices put bit `k` at weight `2^k` (least-significant first).
 *
 * The exact codebook entropy splits the bits in two halves and accumulates
 * `pbar[a, b] = (1/T) sum_t PA[t, a] PB[t, b]` in blocks, so it needs
 * `O(T 2^(d/2))` memory and `O(T 2^d)` time, one thread. Measured with
 * `codebookEntropyRef`: d = 20 with 4,096 tokens (4.3e9 multiply-adds) took
 * 59 s on a 2-core machine shared with other jobs (load average 11), and
 * d = 24 costs 16 times as many. `exactCodebookEntropy` on the wasm backend
 * is the faster float32 path.
 */

/** Per-bit logits of `tokens` tokens with `bits` bits each, row-major. */
export interface LogitMatrix {
  data: ArrayLike<number>;
  tokens: number;
  bits: number;
}

/** Returns `log sigmoid(a)`, finite for every finite `a`. */
export function logSigmoid64(a: number): number {
  return a >= 0 ? -Math.log1p(Math.exp(-a)) : a - Math.log1p(Math.exp(a));
}

/** Returns `sigmoid(a)` without overflow. */
export function sigmoid64(a: number): number {
  if (a >= 0) return 1 / (1 + Math.exp(-a));
  const e = Math.exp(a);
  return e / (1 + e);
}

/** Returns the binary entropy of `sigmoid(a)` in nats, as `softplus(-|a|) + |a| sigmoid(-|a|)`. */
export function binaryEntropy64(a: number): number {
  const m = Math.abs(a);
  return -logSigmoid64(m) + m * sigmoid64(-m);
}

/** Returns the entropy in nats of a probability vector, skipping zero entries. */
export function entropyOfDistribution(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (v > 0) h -= v * Math.log(v);
  }
  return h;
}

/** Returns the binary entropy in nats of a probability `p` in [0, 1]. */
export function binaryEntropyOfProbability(p: number): number {
  let h = 0;
  if (p > 0) h -= p * Math.log(p);
  if (p < 1) h -= (1 - p) * Math.log(1 - p);
  return h;
}

/**
 * Throws unless `m` has positive integer sizes and `tokens * bits` values.
 *
 * @param name function name for the error message.
 */
export function checkLogitMatrix(m: LogitMatrix, name: string): void {
  const { tokens, bits, data } = m;
  if (!Number.isInteger(tokens) || !Number.isInteger(bits) || tokens < 1 || bits < 1) {
    throw new RangeError(
      `${name}: invalid size ${tokens} tokens x ${bits} bits: expected positive integers`,
    );
  }
  if (data.length !== tokens * bits) {
    throw new RangeError(
      `${name}: data has ${data.length} values, expected tokens x bits = ${tokens * bits}`,
    );
  }
}

/** Returns the mean over tokens of the summed per-bit binary entropies (the per-sample entropy). */
export function perSampleEntropyRef(m: LogitMatrix): number {
  checkLogitMatrix(m, "perSampleEntropyRef");
  let total = 0;
  for (let i = 0; i < m.data.length; i++) total += binaryEntropy64(m.data[i]);
  return total / m.tokens;
}

/**
 * Returns the full softmax `softmax_c(2 <u, c> / tau)` over all `2^d` codes
 * `c in {-1,+1}^d` of one latent `u`, by enumeration and log-sum-exp. This is
 * independent of the per-bit product form and serves to check it.
 */
export function softmaxCodeDistribution(u: ArrayLike<number>, temperature: number): Float64Array {
  const d = u.length;
  if (d > 24) {
    throw new RangeError(
      `softmaxCodeDistribution: d = ${d} is above 24; enumeration would need 2^${d} values`,
    );
  }
  const codes = 2 ** d;
  const logits = new Float64Array(codes);
  let max = -Infinity;
  for (let c = 0; c < codes; c++) {
    let dot = 0;
    for (let k = 0; k < d; k++) dot += (Math.floor(c / 2 ** k) % 2 === 1 ? 1 : -1) * u[k];
    logits[c] = (2 * dot) / temperature;
    if (logits[c] > max) max = logits[c];
  }
  let sum = 0;
  for (let c = 0; c < codes; c++) sum += Math.exp(logits[c] - max);
  const logZ = max + Math.log(sum);
  for (let c = 0; c < codes; c++) logits[c] = Math.exp(logits[c] - logZ);
  return logits;
}

/**
 * Returns `pbar` over all `2^d` codes by direct enumeration: for every token
 * and code, the product of its bit probabilities. `O(T 2^d d)` time; a
 * brute-force reference for small `d` (at most 20).
 */
export function bruteForceMeanDistribution(m: LogitMatrix): Float64Array {
  checkLogitMatrix(m, "bruteForceMeanDistribution");
  const { tokens, bits, data } = m;
  if (bits > 20) {
    throw new RangeError(
      `bruteForceMeanDistribution: d = ${bits} is above 20; use codebookEntropyRef`,
    );
  }
  const codes = 2 ** bits;
  const pbar = new Float64Array(codes);
  for (let t = 0; t < tokens; t++) {
    for (let c = 0; c < codes; c++) {
      let logP = 0;
      for (let k = 0; k < bits; k++) {
        const a = data[t * bits + k];
        logP += Math.floor(c / 2 ** k) % 2 === 1 ? logSigmoid64(a) : logSigmoid64(-a);
      }
      pbar[c] += Math.exp(logP) / tokens;
    }
  }
  return pbar;
}

/** Returns `H(pbar)` by direct enumeration ({@link bruteForceMeanDistribution}), in nats. */
export function bruteForceCodebookEntropy(m: LogitMatrix): number {
  return entropyOfDistribution(bruteForceMeanDistribution(m));
}

/** Returns the table `P[t, c]` over the `2^w` codes of the listed bits, `w = bitList.length`. */
function halfTable(
  m: LogitMatrix,
  bitList: readonly number[],
  tokenOffsets: readonly number[],
): Float64Array {
  const width = bitList.length;
  const codes = 2 ** width;
  const table = new Float64Array(tokenOffsets.length * codes);
  for (let t = 0; t < tokenOffsets.length; t++) {
    const base = tokenOffsets[t];
    const row = t * codes;
    table[row] = 1;
    // Doubling construction: codes with bit j set are the codes below 2^j times P(bit j = 1).
    for (let j = 0; j < width; j++) {
      const a = m.data[base + bitList[j]];
      const one = sigmoid64(a);
      const zero = sigmoid64(-a);
      const span = 2 ** j;
      for (let c = 0; c < span; c++) {
        const p = table[row + c];
        table[row + span + c] = p * one;
        table[row + c] = p * zero;
      }
    }
  }
  return table;
}

/** Returns the offset of each token row of `m` into `m.data`. */
function tokenOffsets(m: LogitMatrix): number[] {
  return Array.from({ length: m.tokens }, (_, t) => t * m.bits);
}

/**
 * Calls `visit(block, first)` with consecutive blocks of the table of `pbar`
 * over the codes of `bitList` (code index least-significant first in the
 * order of `bitList`), averaging over the given token rows.
 */
function visitMeanDistribution(
  m: LogitMatrix,
  bitList: readonly number[],
  rows: readonly number[],
  visit: (block: Float64Array, first: number) => void,
): void {
  const lowBits = bitList.slice(0, Math.floor(bitList.length / 2));
  const highBits = bitList.slice(lowBits.length);
  const low = halfTable(m, lowBits, rows);
  const high = halfTable(m, highBits, rows);
  const lowCodes = 2 ** lowBits.length;
  const highCodes = 2 ** highBits.length;
  const count = rows.length;
  const blockCodes = Math.max(1, Math.min(lowCodes, Math.floor(2 ** 17 / highCodes)));
  const block = new Float64Array(blockCodes * highCodes);
  for (let a0 = 0; a0 < lowCodes; a0 += blockCodes) {
    const n = Math.min(blockCodes, lowCodes - a0);
    block.fill(0);
    for (let t = 0; t < count; t++) {
      const highRow = t * highCodes;
      for (let i = 0; i < n; i++) {
        const pa = low[t * lowCodes + a0 + i];
        if (pa === 0) continue;
        const out = i * highCodes;
        for (let b = 0; b < highCodes; b++) block[out + b] += pa * high[highRow + b];
      }
    }
    const view = block.subarray(0, n * highCodes);
    for (let i = 0; i < view.length; i++) view[i] /= count;
    visit(view, a0);
  }
}

/**
 * Throws unless `bitList` contains distinct bit indices of `m`. An empty list
 * passes, because its distribution is the single empty code.
 *
 * @param name function name for the error message.
 */
export function checkBitList(m: LogitMatrix, bitList: readonly number[], name: string): void {
  const seen = new Set<number>();
  for (const k of bitList) {
    if (!Number.isInteger(k) || k < 0 || k >= m.bits || seen.has(k)) {
      throw new RangeError(
        `${name}: invalid bit list [${bitList}] for d = ${m.bits}: expected distinct bits in [0, ${m.bits})`,
      );
    }
    seen.add(k);
  }
}

/**
 * Returns the table of `pbar` (the mean over tokens of the code distribution)
 * over the codes of `bitList` (default all bits), a marginal when `bitList` is
 * a subset. Entry `c` has bit `j` of `c` equal to bit `bitList[j]` of the code.
 */
export function meanCodeDistribution(m: LogitMatrix, bitList?: readonly number[]): Float64Array {
  checkLogitMatrix(m, "meanCodeDistribution");
  const list = bitList ?? Array.from({ length: m.bits }, (_, k) => k);
  checkBitList(m, list, "meanCodeDistribution");
  if (list.length > 26) {
    throw new RangeError(
      `meanCodeDistribution: 2^${list.length} entries do not fit in memory; use codebookEntropyRef`,
    );
  }
  const table = new Float64Array(2 ** list.length);
  const lowCodes = 2 ** Math.floor(list.length / 2);
  const highCodes = table.length / lowCodes;
  // Blocks are [low code, high code]; the code index is low + 2^m1 * high.
  visitMeanDistribution(m, list, tokenOffsets(m), (block, first) => {
    for (let i = 0; i * highCodes < block.length; i++) {
      for (let b = 0; b < highCodes; b++) {
        table[first + i + lowCodes * b] = block[i * highCodes + b];
      }
    }
  });
  return table;
}

/**
 * Returns the exact entropy `H(pbar)` in nats over the codes of `bitList`
 * (default all bits), without storing the table: memory `O(T 2^(w/2))`.
 */
export function codebookEntropyRef(m: LogitMatrix, bitList?: readonly number[]): number {
  checkLogitMatrix(m, "codebookEntropyRef");
  const list = bitList ?? Array.from({ length: m.bits }, (_, k) => k);
  checkBitList(m, list, "codebookEntropyRef");
  let h = 0;
  visitMeanDistribution(m, list, tokenOffsets(m), (block) => {
    h += entropyOfDistribution(block);
  });
  return h;
}

/** Splits `d` bits into `groups` consecutive groups of `d / groups` bits. */
export function consecutiveGroups(bits: number, groups: number): number[][] {
  if (!Number.isInteger(groups) || groups < 1 || bits % groups !== 0) {
    throw new RangeError(
      `invalid group count ${groups} for d = ${bits}: d must be divisible by the group count`,
    );
  }
  const width = bits / groups;
  return Array.from(
    { length: groups },
    (_, k) => Array.from({ length: width }, (_, j) => k * width + j),
  );
}

/** Returns the exact entropy of each group's marginal, in nats, for any partition of the bits. */
export function groupMarginalEntropiesRef(
  m: LogitMatrix,
  partition: readonly (readonly number[])[],
): number[] {
  return partition.map((bitList) => codebookEntropyRef(m, bitList));
}

/** Returns `sum_k H(pbar_k)` over the groups of `partition`, in nats. */
export function groupSumEntropyRef(
  m: LogitMatrix,
  partition: readonly (readonly number[])[],
): number {
  return groupMarginalEntropiesRef(m, partition).reduce((s, h) => s + h, 0);
}

/**
 * Returns the total correlation `sum_k H(pbar_k) - H(pbar)` of the groups of
 * `partition`, in nats: the over-estimate of the per-group sum, never negative.
 */
export function totalCorrelationRef(
  m: LogitMatrix,
  partition: readonly (readonly number[])[],
): number {
  return groupSumEntropyRef(m, partition) - codebookEntropyRef(m);
}

/** Returns `sum_k H(mean_t P(c_k = +1 | u_t))`, the bitwise (BSQ) estimate, in nats. */
export function bitwiseEntropyRef(m: LogitMatrix): number {
  checkLogitMatrix(m, "bitwiseEntropyRef");
  let h = 0;
  for (let k = 0; k < m.bits; k++) {
    let p = 0;
    for (let t = 0; t < m.tokens; t++) p += sigmoid64(m.data[t * m.bits + k]);
    h += binaryEntropyOfProbability(p / m.tokens);
  }
  return h;
}

/**
 * Returns `H(mean_k pbar_k)` for `groups` consecutive groups, the pooled
 * estimator of the released WeTok code, in nats.
 */
export function pooledGroupEntropyRef(m: LogitMatrix, groups: number): number {
  checkLogitMatrix(m, "pooledGroupEntropyRef");
  const width = consecutiveGroups(m.bits, groups)[0].length;
  const pooled: LogitMatrix = { data: m.data, tokens: m.tokens * groups, bits: width };
  return codebookEntropyRef(pooled);
}
