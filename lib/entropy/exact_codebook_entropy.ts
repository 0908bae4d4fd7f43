/**
 * Exact codebook entropy `H(pbar)` over all `2^m` codes, with bounded memory.
 *
 * `pbar(c) = mean_t prod_k P(c_k | u_t)` is a mixture of products, so it does
 * not factorise, but each token's distribution does. Splitting the `m` bits
 * into a low half A (`m1 = floor(m/2)` bits) and a high half B (`m2 = m - m1`
 * bits) makes the table of `pbar` a matrix product,
 * `pbar[a, b] = (1/T) sum_t PA[t, a] * PB[t, b]`, with `PA` of shape
 * `[T, 2^m1]` and `PB` of shape `[T, 2^m2]`. The product is computed in
 * chunks of rows of `a`, and the gradient recomputes the same chunks, so the
 * working memory is `O(T 2^(m/2))` and never `O(T 2^m)` as in a dense
 * softmax over the codebook. The time is `O(T 2^m)`.
 *
 * Code index convention: bit `k` of the index is bit `k` of the code
 * (least-significant first), so the code index is `a + 2^m1 * b`.
 *
 * Numerics: every factor `PA[t, a]` is a probability in [0, 1] whose maximum
 * over `a` is at least `2^-m1`, so nothing overflows. Codes whose `pbar`
 * underflows to 0 in float32 (below about 1e-45) are skipped and contribute
 * less than 1e-42 nats.
 */
import { tf } from "../engine/mod.ts";
import { logSigmoid } from "./binary_entropy.ts";
import { checkBitLogits } from "./logits_check.ts";

/** Default working-memory budget of the exact enumeration: 1 GiB. */
export const DEFAULT_EXACT_MAX_BYTES = 2 ** 30;

/** Default entries of one chunk of the `pbar` table (4 Mi float32, 16 MiB). */
export const DEFAULT_CHUNK_ELEMENTS = 2 ** 22;

/** Options of {@link exactCodebookEntropy} and the group estimators built on it. */
export interface ExactEntropyOptions {
  /**
   * Working-memory budget in bytes (default 1 GiB). Above it the estimator
   * throws an error stating the memory it would need.
   */
  maxBytes?: number;
  /**
   * Entries of the `pbar` table computed at once (default 2^22, 16 MiB of
   * float32). Smaller chunks lower the peak memory and add kernel calls.
   */
  chunkElements?: number;
  /**
   * Widest code, in bits, that the enumeration accepts (default 32). The time
   * grows as `tokens x 2^bits`; 2^32 codes for 4,096 tokens is already about
   * 3.5e13 floating-point operations.
   */
  maxCodeBits?: number;
}

/** Default widest code the exact enumeration accepts, in bits. */
export const DEFAULT_MAX_CODE_BITS = 32;

/**
 * Returns the rows of `pbar` computed at once. A chunk contains `rows x 2^m2`
 * entries of `pbar` and `rows x T` entries of the low-half gradient, per group.
 */
function chunkRows(
  groups: number,
  tokens: number,
  lowBits: number,
  highBits: number,
  chunkElements: number,
): number {
  const rows = Math.floor(chunkElements / (groups * Math.max(2 ** highBits, tokens)));
  return Math.max(1, Math.min(2 ** lowBits, rows));
}

/**
 * Estimates the working memory, in bytes, of the exact entropy and its
 * gradient for `groups` distributions over `2^bits` codes from `tokens`
 * tokens each (float32). Groups run one after another, so only the copies of
 * the logits grow with `groups`.
 *
 * Counts the half tables alive at the peak of the backward pass: `PA^T`,
 * `PB`, `PB^T`, the gradient of `PB^T`, and one term and one sum of its size.
 * It adds twelve `pbar`-sized and three gradient-sized buffers per chunk row,
 * and sixteen copies of the logits. Calibrated against `tf.profile` peaks of value and
 * gradient on the wasm and cpu backends (tfjs 4.22): 3% to 21% above them for
 * 64 to 4,096 tokens and 12 to 24 bits, up to twice them for tables under 1 MiB.
 */
export function exactEntropyWorkingBytes(
  tokens: number,
  bits: number,
  groups = 1,
  chunkElements = DEFAULT_CHUNK_ELEMENTS,
): number {
  const lowBits = Math.floor(bits / 2);
  const highBits = bits - lowBits;
  const tables = tokens * (2 ** lowBits + 5 * 2 ** highBits);
  const rows = chunkRows(1, tokens, lowBits, highBits, chunkElements);
  const chunk = rows * (12 * 2 ** highBits + 3 * tokens);
  return 4 * (tables + chunk + 16 * groups * tokens * bits);
}

/** Formats a byte count as MiB or GiB with three significant digits. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toPrecision(3)} GiB`;
  return `${(bytes / 2 ** 20).toPrecision(3)} MiB`;
}

/**
 * Builds the `[G, 2^w, 2w]` selector `S`. Row `c` contains bit `k` of code `c`
 * in column `k` and its complement in column `w + k`, so `S @ [logP1; logP0]`
 * sums the log-probabilities of the bits of every code without cancellation.
 */
function bitSelector(groups: number, width: number): tf.Tensor3D {
  const codes = 2 ** width;
  const values = new Float32Array(codes * 2 * width);
  for (let c = 0; c < codes; c++) {
    for (let k = 0; k < width; k++) {
      const bit = Math.floor(c / 2 ** k) % 2;
      values[c * 2 * width + k] = bit;
      values[c * 2 * width + width + k] = 1 - bit;
    }
  }
  return tf.tidy(() => tf.tile(tf.tensor3d(values, [1, codes, 2 * width]), [groups, 1, 1]));
}

/**
 * Computes the code-major table `P^T[g, c, t]` over the `2^w` codes of bits
 * `[lo, lo + w)`, shape `[G, 2^w, T]`, from the bit logits `[G, T, m]`.
 */
function codeMajorProbabilities(logits: tf.Tensor3D, lo: number, width: number): tf.Tensor3D {
  const [groups, tokens] = logits.shape;
  if (width === 0) return tf.ones([groups, 1, tokens]);
  return tf.tidy(() => {
    const a = tf.slice(logits, [0, 0, lo], [groups, tokens, width]);
    const joined = tf.transpose(tf.concat([logSigmoid(a), logSigmoid(tf.neg(a))], 2), [0, 2, 1]);
    return tf.exp(tf.matMul(bitSelector(groups, width), joined)) as tf.Tensor3D;
  });
}

/**
 * Maps the gradient on the log-probabilities of the codes of one half,
 * reduced to `[G, 2w, T]` by the selector (bit-one rows, then bit-zero rows),
 * to the gradient on that half's bit logits `[G, T, w]`.
 */
function halfLogitGradient(
  reduced: tf.Tensor3D,
  logits: tf.Tensor3D,
  lo: number,
  width: number,
): tf.Tensor3D {
  return tf.tidy(() => {
    const [groups, tokens] = logits.shape;
    const perBit = tf.transpose(reduced, [0, 2, 1]);
    const gradOne = tf.slice(perBit, [0, 0, 0], [groups, tokens, width]);
    const gradZero = tf.slice(perBit, [0, 0, width], [groups, tokens, width]);
    const a = tf.slice(logits, [0, 0, lo], [groups, tokens, width]);
    // d log sigmoid(a) / da = sigmoid(-a) and d log sigmoid(-a) / da = -sigmoid(a).
    return tf.sub(tf.mul(gradOne, tf.sigmoid(tf.neg(a))), tf.mul(gradZero, tf.sigmoid(a)));
  });
}

/** Block length of {@link blockSum}. */
const SUM_BLOCK = 64;

/**
 * Sums `x` `[G, n]` over its second axis in blocks of 64, level by level, so
 * that each float32 addition combines terms of similar size. A plain `tf.sum`
 * over 2^20 entropy terms lost 0.15% (0.017 nats) on the wasm backend
 * (tfjs 4.22), because small terms were added one by one to a large total.
 */
function blockSum(x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    let level: tf.Tensor2D = x;
    while (level.shape[1] > SUM_BLOCK) {
      const [groups, n] = level.shape;
      const blocks = Math.ceil(n / SUM_BLOCK);
      const padded = blocks * SUM_BLOCK === n
        ? level
        : tf.pad(level, [[0, 0], [0, blocks * SUM_BLOCK - n]]);
      level = tf.sum(tf.reshape(padded, [groups, blocks, SUM_BLOCK]), 2) as tf.Tensor2D;
    }
    return tf.sum(level, 1) as tf.Tensor1D;
  });
}

/**
 * Returns `sum + term`, kept out of the enclosing `tf.tidy` so it outlives a
 * chunk, and disposes the old `sum`; the chunk's tidy disposes `term`.
 */
function accumulate(sum: tf.Tensor, term: tf.Tensor): tf.Tensor {
  const next = tf.keep(tf.add(sum, term));
  sum.dispose();
  return next;
}

/**
 * Computes, for each of `G` independent sets of tokens, the exact entropy in
 * nats of the mean code distribution over `2^m` codes, with gradients.
 *
 * @param logits per-bit logits `[G, T, m]`: `G` distributions, `T` tokens, `m` bits.
 * @returns `[G]` entropies, each in [0, m ln 2].
 * @throws RangeError for codes wider than `maxCodeBits`, or stating the memory
 *   needed when it exceeds `maxBytes`.
 */
export function batchedCodeEntropies(
  logits: tf.Tensor3D,
  options: ExactEntropyOptions = {},
): tf.Tensor1D {
  const [groups, tokens, bits] = logits.shape;
  const maxBytes = options.maxBytes ?? DEFAULT_EXACT_MAX_BYTES;
  const chunkElements = options.chunkElements ?? DEFAULT_CHUNK_ELEMENTS;
  if (!Number.isInteger(chunkElements) || chunkElements < 1) {
    throw new RangeError(`invalid chunkElements ${chunkElements}: expected a positive integer`);
  }
  const maxCodeBits = options.maxCodeBits ?? DEFAULT_MAX_CODE_BITS;
  if (bits > maxCodeBits) {
    throw new RangeError(
      `exact entropy over 2^${bits} codes exceeds the limit of 2^${maxCodeBits} codes ` +
        `(time grows as tokens x 2^bits); use more groups (group-sum or group-pooled), ` +
        `the bitwise estimator, or raise maxCodeBits`,
    );
  }
  const needed = exactEntropyWorkingBytes(tokens, bits, groups, chunkElements);
  if (needed > maxBytes) {
    throw new RangeError(
      `exact entropy over 2^${bits} codes for ${tokens} tokens` +
        (groups > 1 ? ` in ${groups} groups` : "") +
        ` needs about ${formatBytes(needed)} of working memory, above the budget of ` +
        `${formatBytes(maxBytes)}; use more groups (group-sum or group-pooled), fewer tokens, ` +
        `or raise maxBytes`,
    );
  }
  if (groups > 1) {
    // One group at a time: peak memory stays that of one group, and wasm's
    // batched matrix product copies its operands when the batch exceeds 1.
    return tf.tidy(() => {
      const perGroup = tf.unstack(logits).map((one) =>
        batchedCodeEntropies(tf.expandDims(one, 0) as tf.Tensor3D, options)
      );
      return tf.concat(perGroup, 0) as tf.Tensor1D;
    });
  }
  const lowBits = Math.floor(bits / 2);
  const highBits = bits - lowBits;
  const rows = chunkRows(groups, tokens, lowBits, highBits, chunkElements);
  const lowCodes = 2 ** lowBits;
  const invTokens = 1 / tokens;

  /** Calls `visit` with consecutive row chunks of `pbar` `[G, n, 2^m2]` and their code-major low tables `[G, n, T]`. */
  function forEachChunk(
    lowT: tf.Tensor3D,
    high: tf.Tensor3D,
    visit: (pbar: tf.Tensor3D, lowChunk: tf.Tensor3D, first: number, count: number) => void,
  ): void {
    for (let first = 0; first < lowCodes; first += rows) {
      const count = Math.min(rows, lowCodes - first);
      tf.tidy(() => {
        const lowChunk = tf.slice(lowT, [0, first, 0], [groups, count, tokens]);
        visit(tf.mul(tf.matMul(lowChunk, high), invTokens), lowChunk, first, count);
      });
    }
  }

  /** Builds `PA^T` `[G, 2^m1, T]`, `PB` `[G, T, 2^m2]` and, when asked, `PB^T`. */
  function tables(a: tf.Tensor3D, withHighT: boolean) {
    const lowT = codeMajorProbabilities(a, 0, lowBits);
    const highT = codeMajorProbabilities(a, lowBits, highBits);
    const high = tf.transpose(highT, [0, 2, 1]) as tf.Tensor3D;
    if (!withHighT) highT.dispose();
    return { lowT, high, highT };
  }

  const entropies = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const a = args[0] as tf.Tensor3D;
    const save = args[1] as tf.GradSaveFunc;
    save([a]);
    const { lowT, high } = tables(a, false);
    let value: tf.Tensor = tf.zeros([groups]);
    forEachChunk(lowT, high, (pbar) => {
      const plogp = tf.where(tf.greater(pbar, 0), tf.mul(pbar, tf.log(pbar)), tf.zerosLike(pbar));
      value = accumulate(value, tf.neg(blockSum(tf.reshape(plogp, [groups, -1]) as tf.Tensor2D)));
    });
    tf.dispose([lowT, high]);
    // The running sum is kept out of the chunks' tidy scopes; return an unkept copy.
    const total = tf.clone(value);
    value.dispose();

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const savedLogits = saved[0] as tf.Tensor3D;
      const { lowT, high, highT } = tables(savedLogits, true);
      const scale = tf.reshape(tf.mul(dy, invTokens), [groups, 1, 1]);
      const lowSelectorT = tf.transpose(bitSelector(groups, lowBits), [0, 2, 1]);
      let reducedLow: tf.Tensor = tf.zeros([groups, 2 * lowBits, tokens]);
      let gradHighT: tf.Tensor = tf.zeros(highT.shape);
      forEachChunk(lowT, high, (pbar, lowChunk, first, count) => {
        // dH / dpbar = -(log pbar + 1); codes with pbar = 0 get no gradient (see the file header).
        const positive = tf.greater(pbar, 0);
        const safeLog = tf.log(tf.where(positive, pbar, tf.onesLike(pbar)));
        const g = tf.mul(tf.where(positive, tf.neg(tf.add(safeLog, 1)), tf.zerosLike(pbar)), scale);
        gradHighT = accumulate(gradHighT, tf.matMul(tf.transpose(g, [0, 2, 1]), lowChunk));
        if (lowBits > 0) {
          // Gradient on log PA for these codes, reduced to the low half's bits at once.
          const gradLogLow = tf.mul(tf.matMul(g, highT), lowChunk);
          const selector = tf.slice(lowSelectorT, [0, 0, first], [groups, 2 * lowBits, count]);
          reducedLow = accumulate(reducedLow, tf.matMul(selector, gradLogLow));
        }
      });
      tf.dispose([lowT, high, scale, lowSelectorT]);
      const reducedHigh = tf.tidy(() => {
        const selectorT = tf.transpose(bitSelector(groups, highBits), [0, 2, 1]);
        return tf.matMul(selectorT, tf.mul(gradHighT, highT));
      });
      tf.dispose([gradHighT, highT]);
      const parts: tf.Tensor3D[] = [];
      if (lowBits > 0) {
        parts.push(halfLogitGradient(reducedLow as tf.Tensor3D, savedLogits, 0, lowBits));
      }
      parts.push(halfLogitGradient(reducedHigh as tf.Tensor3D, savedLogits, lowBits, highBits));
      tf.dispose([reducedLow, reducedHigh]);
      const grad = parts.length === 1 ? parts[0] : tf.concat(parts, 2);
      if (parts.length > 1) tf.dispose(parts);
      return [grad];
    };
    return { value: total, gradFunc };
  });
  return entropies(logits) as tf.Tensor1D;
}

/**
 * Computes the exact codebook entropy `H(pbar)` over all `2^d` codes, in
 * nats, with `pbar = mean_t q(. | u_t)` (the LFQ codebook term).
 *
 * @param logits per-bit logits `[tokens, d]`, see `lfqBitLogits`.
 * @param options memory budget (default 1 GiB).
 * @returns scalar in [0, d ln 2].
 * @throws RangeError stating the memory needed when it exceeds the budget.
 */
export function exactCodebookEntropy(
  logits: tf.Tensor2D,
  options: ExactEntropyOptions = {},
): tf.Scalar {
  checkBitLogits(logits, "exactCodebookEntropy");
  const [tokens, bits] = logits.shape;
  return tf.tidy(() => {
    const batched = tf.reshape(logits, [1, tokens, bits]) as tf.Tensor3D;
    return tf.reshape(batchedCodeEntropies(batched, options), []) as tf.Scalar;
  });
}
