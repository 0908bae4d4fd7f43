/**
 * The entropy regulariser of lookup-free quantizers with a named choice of
 * codebook-entropy estimator: `L = w_s H_tok - w_b H_cb`, in nats (WeTok,
 * arXiv 2508.05599).
 */
import { tf } from "../engine/mod.ts";
import { DEFAULT_CODEBOOK_WEIGHT, DEFAULT_SAMPLE_WEIGHT } from "./bit_logits.ts";
import { bitwiseCodebookEntropy } from "./bitwise_entropy.ts";
import { exactCodebookEntropy } from "./exact_codebook_entropy.ts";
import { groupPooledCodebookEntropy, groupSumCodebookEntropy } from "./group_entropy.ts";
import { checkBitLogits, checkGroups } from "./logits_check.ts";
import { perSampleEntropy } from "./per_sample_entropy.ts";

/**
 * Estimator of the codebook entropy `H(pbar)`:
 * - `exact`: `H(pbar)` over all `2^d` codes (LFQ).
 * - `group-sum`: `sum_k H(pbar_k)` over `g` groups (the GQ equation of the WeTok paper).
 * - `group-pooled`: `H(mean_k pbar_k)`, what the released WeTok code computes;
 *   its per-sample term is averaged, not summed, over groups.
 * - `bitwise`: `sum_bits H(pbar_bit)` (BSQ), equal to `group-sum` with `g = d`.
 */
export type CodebookEntropyMethod = "exact" | "group-sum" | "group-pooled" | "bitwise";

/** All estimator names, for validation and help text. */
export const CODEBOOK_ENTROPY_METHODS: readonly CodebookEntropyMethod[] = [
  "exact",
  "group-sum",
  "group-pooled",
  "bitwise",
];

/** Options of {@link entropyLoss}. */
export interface EntropyLossOptions {
  /** Codebook-entropy estimator. */
  method: CodebookEntropyMethod;
  /** Group count `g` for the group estimators (a divisor of `d`; default 1). */
  groups?: number;
  /** Weight `w_s` of the per-sample entropy (default 1.0, the official value). */
  sampleWeight?: number;
  /** Weight `w_b` of the codebook entropy (default 1.0, the official value). */
  codebookWeight?: number;
  /** Working-memory budget of the exact enumerations in bytes (default 1 GiB). */
  maxBytes?: number;
  /** Widest code the exact enumerations accept, in bits (default 32). */
  maxCodeBits?: number;
}

/** The terms of the entropy regulariser, each a scalar in nats. */
export interface EntropyTerms {
  /** Per-sample entropy `H_tok`, minimised. */
  perSampleEntropy: tf.Scalar;
  /** Codebook entropy estimate `H_cb`, maximised. */
  codebookEntropy: tf.Scalar;
  /** `w_s H_tok - w_b H_cb`. */
  loss: tf.Scalar;
}

/** Throws unless `method` names an estimator. */
export function parseCodebookEntropyMethod(method: string): CodebookEntropyMethod {
  if ((CODEBOOK_ENTROPY_METHODS as readonly string[]).includes(method)) {
    return method as CodebookEntropyMethod;
  }
  throw new RangeError(
    `invalid codebook entropy method "${method}": expected one of ${
      CODEBOOK_ENTROPY_METHODS.join(", ")
    }`,
  );
}

/**
 * Computes the per-sample entropy, the codebook entropy with the chosen
 * estimator, and the loss `w_s H_tok - w_b H_cb`, all in nats.
 *
 * @param logits per-bit logits `[tokens, d]`, see `lfqBitLogits` and `bsqBitLogits`.
 * @throws RangeError for an unknown method, a group count that does not divide
 *   `d`, or an exact enumeration above the memory budget.
 */
export function entropyLoss(logits: tf.Tensor2D, options: EntropyLossOptions): EntropyTerms {
  checkBitLogits(logits, "entropyLoss");
  const method = parseCodebookEntropyMethod(options.method);
  const bits = logits.shape[1];
  const groups = options.groups ?? 1;
  checkGroups(bits, groups, `entropyLoss (${method})`);
  const sampleWeight = options.sampleWeight ?? DEFAULT_SAMPLE_WEIGHT;
  const codebookWeight = options.codebookWeight ?? DEFAULT_CODEBOOK_WEIGHT;
  const exact = { maxBytes: options.maxBytes, maxCodeBits: options.maxCodeBits };

  return tf.tidy(() => {
    let sample = perSampleEntropy(logits);
    let codebook: tf.Scalar;
    switch (method) {
      case "exact":
        codebook = exactCodebookEntropy(logits, exact);
        break;
      case "group-sum":
        codebook = groupSumCodebookEntropy(logits, groups, exact);
        break;
      case "group-pooled":
        codebook = groupPooledCodebookEntropy(logits, groups, exact);
        sample = tf.div(sample, groups);
        break;
      case "bitwise":
        codebook = bitwiseCodebookEntropy(logits);
        break;
    }
    const loss = tf.sub(
      tf.mul(sample, sampleWeight),
      tf.mul(codebook, codebookWeight),
    ) as tf.Scalar;
    return { perSampleEntropy: sample, codebookEntropy: codebook, loss };
  });
}
