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

/** Number of rows of `pbar` computed at once for `groups` tables of `2^m2` columns. */
function chunkRows(groups: number, lowBits: number, highBits: number, chunkElements: number): number {
  const rows = Math.floor(chunkElements / (groups * 2 ** highBits));
  return Math.max(1, Math.min(2 ** lowBits, rows));
}

/**
 * Estimates the working memory, in bytes, of the exact entropy of `groups`
 * distributions over `2^bits` codes from `tokens` tokens each (float32).
 *
 * Counts the half tables `PA`, `PB`, their transposes and gradients, and the
 * `pbar` chunk with its gradient; tfjs's own temporaries add a few percent.
 */
export function exactEntropyWorkingBytes(
  tokens: number,
  bits: number,
  groups = 1,
  chunkElements = DEFAULT_CHUNK_ELEMENTS,
): number {
  const lowBits = Math.floor(bits / 2);
  const highBits = bits - lowBits;
  const halfTables = 4 * tokens * (2 ** lowBits + 2 ** highBits);
  const chunk = 3 * chunkRows(groups, lowBits, highBits, chunkElements) * 2 ** highBits;
  return 4 * groups * (halfTables + chunk);
}

/** Formats a byte count as MiB or GiB with three significant digits. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toPrecision(3)} GiB`;
  return `${(bytes / 2 ** 20).toPrecision(3)} MiB`;
}

/**
 * Builds the `[2w, 2^w]` selector whose first `w` rows are bit `k` of each
 * index and last `w` rows its complement, so `[logP1, logP0] @ S` sums the
 * log-probabilities of the bits of every code without cancellation.
 */
function bitSelector(width: number): tf.Tensor2D {
  const codes = 2 ** width;
  const values = new Float32Array(2 * width * codes);
  for (let k = 0; k < width; k++) {
    for (let c = 0; c < codes; c++) {
      const bit = Math.floor(c / 2 ** k) % 2;
      values[k * codes + c] = bit;
      values[(width + k) * codes + c] = 1 - bit;
    }
  }
  return tf.tensor2d(values, [2 * width, codes]);
}

/** Computes `P[g, t, c]` over the `2^w` codes of bits `[lo, lo + w)`, shape `[G, T, 2^w]`. */
function halfProbabilities(
  logP1: tf.Tensor3D,
  logP0: tf.Tensor3D,
  lo: number,
  width: number,
): tf.Tensor3D {
  const [groups, tokens] = logP1.shape;
  if (width === 0) return tf.ones([groups, tokens, 1]);
  const ones = tf.slice(logP1, [0, 0, lo], [groups, tokens, width]);
  const zeros = tf.slice(logP0, [0, 0, lo], [groups, tokens, width]);
  const joined = tf.reshape(tf.concat([ones, zeros], 2), [groups * tokens, 2 * width]);
  const logP = tf.matMul(joined, bitSelector(width)) as tf.Tensor2D;
  return tf.reshape(tf.exp(logP), [groups, tokens, 2 ** width]);
}

/** Maps a gradient on `P` of {@link halfProbabilities} back to the bit logits of that half. */
function halfLogitGradient(
  gradP: tf.Tensor3D,
  probs: tf.Tensor3D,
  logits: tf.Tensor3D,
  lo: number,
  width: number,
): tf.Tensor3D {
  const [groups, tokens] = probs.shape;
  const gradLogP = tf.reshape(tf.mul(gradP, probs), [groups * tokens, 2 ** width]);
  const gradJoined = tf.matMul(gradLogP, tf.transpose(bitSelector(width)));
  const gradOne = tf.reshape(tf.slice(gradJoined, [0, 0], [groups * tokens, width]), [groups, tokens, width]);
  const gradZero = tf.reshape(tf.slice(gradJoined, [0, width], [groups * tokens, width]), [groups, tokens, width]);
  const a = tf.slice(logits, [0, 0, lo], [groups, tokens, width]);
  // d log sigmoid(a) / da = sigmoid(-a) and d log sigmoid(-a) / da = -sigmoid(a).
  return tf.sub(tf.mul(gradOne, tf.sigmoid(tf.neg(a))), tf.mul(gradZero, tf.sigmoid(a)));
}

/**
 * Computes, for each of `G` independent sets of tokens, the exact entropy in
 * nats of the mean code distribution over `2^m` codes, with gradients.
 *
 * @param logits per-bit logits `[G, T, m]`: `G` distributions, `T` tokens, `m` bits.
 * @returns `[G]` entropies, each in [0, m ln 2].
 * @throws RangeError stating the memory needed when it exceeds `maxBytes`.
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
  const lowBits = Math.floor(bits / 2);
  const highBits = bits - lowBits;
  const rows = chunkRows(groups, lowBits, highBits, chunkElements);
  const lowCodes = 2 ** lowBits;
  const highCodes = 2 ** highBits;
  const invTokens = 1 / tokens;

  const entropies = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const a = args[0] as tf.Tensor3D;
    const save = args[1] as tf.GradSaveFunc;
    save([a]);
    const value = tf.tidy(() => {
      const { lowT, high } = halfTables(a);
      const parts: tf.Tensor[] = [];
      for (let r0 = 0; r0 < lowCodes; r0 += rows) {
        const n = Math.min(rows, lowCodes - r0);
        parts.push(tf.tidy(() => {
          const lowChunk = tf.slice(lowT, [0, r0, 0], [groups, n, tokens]);
          const pbar = tf.mul(tf.matMul(lowChunk, high), invTokens);
          const plogp = tf.where(tf.greater(pbar, 0), tf.mul(pbar, tf.log(pbar)), tf.zerosLike(pbar));
          return tf.neg(tf.sum(plogp, [1, 2]));
        }));
      }
      return parts.length === 1 ? parts[0] : tf.addN(parts);
    });
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedLogits] = saved as tf.Tensor3D[];
      return tf.tidy(() => {
        const { lowT, high, low, highT } = halfTables(savedLogits);
        const scale = tf.reshape(tf.mul(dy, invTokens), [groups, 1, 1]);
        const gradLowParts: tf.Tensor[] = [];
        let gradHighT: tf.Tensor = tf.zeros([groups, highCodes, tokens]);
        for (let r0 = 0; r0 < lowCodes; r0 += rows) {
          const n = Math.min(rows, lowCodes - r0);
          const [gradLowChunk, gradHighChunk] = tf.tidy(() => {
            const lowChunk = tf.slice(lowT, [0, r0, 0], [groups, n, tokens]);
            const pbar = tf.mul(tf.matMul(lowChunk, high), invTokens);
            // dH / dpbar = -(log pbar + 1); codes with pbar = 0 get no gradient (see header).
            const positive = tf.greater(pbar, 0);
            const safeLog = tf.log(tf.where(positive, pbar, tf.onesLike(pbar)));
            const g = tf.mul(tf.where(positive, tf.neg(tf.add(safeLog, 1)), tf.zerosLike(pbar)), scale);
            return [
              tf.matMul(g, highT),
              tf.matMul(tf.transpose(g, [0, 2, 1]), lowChunk),
            ];
          });
          gradLowParts.push(gradLowChunk);
          const sum = tf.add(gradHighT, gradHighChunk);
          gradHighT.dispose();
          gradHighChunk.dispose();
          gradHighT = sum;
        }
        const gradLowT = gradLowParts.length === 1 ? gradLowParts[0] : tf.concat(gradLowParts, 1);
        const gradLow = tf.transpose(gradLowT, [0, 2, 1]) as tf.Tensor3D;
        const gradHigh = tf.transpose(gradHighT, [0, 2, 1]) as tf.Tensor3D;
        const parts: tf.Tensor3D[] = [];
        if (lowBits > 0) parts.push(halfLogitGradient(gradLow, low, savedLogits, 0, lowBits));
        parts.push(halfLogitGradient(gradHigh, high, savedLogits, lowBits, highBits));
        const grad = parts.length === 1 ? parts[0] : tf.concat(parts, 2);
        return [grad];
      });
    };
    return { value, gradFunc };
  });
  return entropies(logits) as tf.Tensor1D;

  /** Builds the half tables for logits `[G, T, m]`: `low [G,T,2^m1]`, `high [G,T,2^m2]` and transposes. */
  function halfTables(a: tf.Tensor3D) {
    const logP1 = logSigmoid(a);
    const logP0 = logSigmoid(tf.neg(a));
    const low = halfProbabilities(logP1, logP0, 0, lowBits);
    const high = halfProbabilities(logP1, logP0, lowBits, highBits);
    return {
      low,
      high,
      lowT: tf.transpose(low, [0, 2, 1]) as tf.Tensor3D,
      highT: tf.transpose(high, [0, 2, 1]) as tf.Tensor3D,
    };
  }
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
