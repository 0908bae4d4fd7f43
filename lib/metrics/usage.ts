/**
 * Codebook usage and perplexity of token indices, per group and joint.
 *
 * For group-wise quantization, a token is `g` sub-codes of `b` bits each; the
 * joint code is the tuple of its sub-codes (`2^(g*b)` possible values). Usage
 * is the share of possible codes that occur at least once. Perplexity is
 * `exp(H)` of the empirical code distribution (natural-log entropy H), so it
 * equals the number of codes when all are used equally often.
 */

/** Usage of one codebook. */
export interface CodebookStats {
  /** Number of possible codes. */
  codebookSize: number;
  /** Number of distinct codes that occur. */
  used: number;
  /** used / codebookSize, in [0, 1]. */
  usage: number;
  /** Entropy of the empirical distribution, in bits. */
  entropyBits: number;
  /** exp(entropy in nats) = 2^entropyBits. */
  perplexity: number;
}

/** Usage per group and of the joint code. */
export interface CodebookUsage {
  tokens: number;
  groups: CodebookStats[];
  joint: CodebookStats;
}

/**
 * Computes usage and perplexity from sub-code indices.
 *
 * @param indices token-major sub-codes: token `t`, group `k` at `t * groups + k`,
 *   each an integer in [0, 2^bitsPerGroup).
 * @param groups number of groups g (>= 1).
 * @param bitsPerGroup bits per group b (1..30).
 * @throws RangeError naming the first index out of range.
 */
export function codebookUsage(
  indices: ArrayLike<number>,
  groups: number,
  bitsPerGroup: number,
): CodebookUsage {
  if (!Number.isInteger(groups) || groups < 1) {
    throw new RangeError(`groups must be a positive integer, got ${groups}`);
  }
  if (!Number.isInteger(bitsPerGroup) || bitsPerGroup < 1 || bitsPerGroup > 30) {
    throw new RangeError(`bitsPerGroup must be an integer in [1, 30], got ${bitsPerGroup}`);
  }
  if (indices.length === 0 || indices.length % groups !== 0) {
    throw new RangeError(
      `indices length ${indices.length} is not a positive multiple of groups = ${groups}`,
    );
  }
  const tokens = indices.length / groups;
  const size = 2 ** bitsPerGroup;
  const perGroup = Array.from({ length: groups }, () => new Float64Array(size));
  const joint = new Map<string | number, number>();
  const exactJoint = groups * bitsPerGroup <= 52;
  for (let t = 0; t < tokens; t++) {
    let key = 0;
    const parts: number[] = [];
    for (let k = 0; k < groups; k++) {
      const v = indices[t * groups + k];
      if (!Number.isInteger(v) || v < 0 || v >= size) {
        throw new RangeError(`index ${v} of token ${t}, group ${k} is outside [0, ${size})`);
      }
      perGroup[k][v]++;
      if (exactJoint) key = key * size + v;
      else parts.push(v);
    }
    const jointKey = exactJoint ? key : parts.join(",");
    joint.set(jointKey, (joint.get(jointKey) ?? 0) + 1);
  }
  return {
    tokens,
    groups: perGroup.map((counts) => statsOf(counts, size, tokens)),
    joint: statsOf(joint.values(), 2 ** (groups * bitsPerGroup), tokens),
  };
}

function statsOf(counts: Iterable<number>, codebookSize: number, total: number): CodebookStats {
  let used = 0;
  let nats = 0;
  for (const count of counts) {
    if (count === 0) continue;
    used++;
    const p = count / total;
    nats -= p * Math.log(p);
  }
  return {
    codebookSize,
    used,
    usage: used / codebookSize,
    entropyBits: nats / Math.LN2,
    perplexity: Math.exp(nats),
  };
}
