/**
 * Numbers and claims reported by WeTok (Zhuang et al., "WeTok: Powerful Discrete
 * Tokenization for High-Fidelity Visual Reconstruction", arXiv 2508.05599),
 * each with where in the paper it comes from.
 *
 * Only values stated in the abstract or text, or read off a figure, are listed.
 * The full ablation tables were not available to this project, so the rows of
 * those tables show "unknown" (a `null` value), never a guess.
 */

/** One number reported by the paper. */
export interface PaperValue {
  /** Stable key used by experiment configs, such as "zero-shot/rfid/cr24". */
  key: string;
  /** Measured quantity, with model and setting. */
  quantity: string;
  /** The reported value, or `null` where the paper's number is unknown here. */
  value: number | null;
  /** Unit or metric name, such as "rFID" or "GB". */
  unit: string;
  /** Location in arXiv 2508.05599 (abstract, text, or "read from figure"). */
  source: string;
  /** True for values read off a plot, which carry reading error. */
  approximate?: boolean;
}

/** One qualitative claim of the paper that an experiment tests. */
export interface PaperClaim {
  /** Stable key used by experiment configs, such as "quantizer-order". */
  key: string;
  /** The claim, in one sentence. */
  statement: string;
  /** Location in arXiv 2508.05599. */
  source: string;
}

const ABSTRACT = "arXiv 2508.05599, abstract";
const TEXT = "arXiv 2508.05599, text (table number not verified here)";
const FIGURE = "arXiv 2508.05599, read from the compression-ratio figure";
const ABLATION = "arXiv 2508.05599, ablation section (table not available here)";

/** All numbers of the paper that a generated table can put beside ours. */
export const PAPER_VALUES: readonly PaperValue[] = [
  // Zero-shot reconstruction on the ImageNet 50k validation set.
  v("zero-shot/rfid/cr24", "WeTok zero-shot rFID, compression 24", 0.12, "rFID", ABSTRACT),
  v("zero-shot/rfid/cr48", "WeTok zero-shot rFID, compression 48", 0.20, "rFID", FIGURE, true),
  v("zero-shot/rfid/cr192", "WeTok zero-shot rFID, compression 192", 0.58, "rFID", FIGURE, true),
  v("zero-shot/rfid/cr768", "WeTok zero-shot rFID, compression 768", 3.49, "rFID", ABSTRACT),
  v("zero-shot/rfid/flux-vae", "FLUX-VAE zero-shot rFID, compression 6", 0.18, "rFID", ABSTRACT),
  v(
    "zero-shot/rfid/sd-vae-3.5",
    "SD-VAE 3.5 zero-shot rFID, compression 6",
    0.19,
    "rFID",
    ABSTRACT,
  ),
  v(
    "zero-shot/rfid/cosmos-cr384",
    "Cosmos zero-shot rFID, compression 384",
    4.57,
    "rFID",
    ABSTRACT,
  ),
  // ImageNet in-distribution, downsampling factor 16.
  v("imagenet-f16/rfid", "WeTok rFID, ImageNet f16", 0.61, "rFID", TEXT),
  v("imagenet-f16/psnr", "WeTok PSNR, ImageNet f16", 24.50, "dB", TEXT),
  v("imagenet-f16/rfid/open-magvit2", "Open-MAGVIT2 rFID, ImageNet f16", 1.17, "rFID", TEXT),
  v("imagenet-f16/psnr/open-magvit2", "Open-MAGVIT2 PSNR, ImageNet f16", 22.64, "dB", TEXT),
  v("imagenet-f16/rfid/mgvq", "MGVQ rFID, ImageNet f16", 0.64, "rFID", TEXT),
  v("imagenet-f16/psnr/mgvq", "MGVQ PSNR, ImageNet f16", 23.71, "dB", TEXT),
  // Entropy-loss memory.
  v("memory/gq/d40", "GQ entropy loss memory at d = 40", 10.6, "GB", TEXT),
  // Generative decoder.
  v("gd/rfid/stage1", "rFID after stage 1 only (model unknown)", 5.37, "rFID", TEXT),
  v("gd/rfid/stage2", "rFID with the generative decoder (model unknown)", 3.90, "rFID", TEXT),
  // Autoregressive generation.
  v("generation/gfid", "LlamaGen-style gFID on WeTok tokens", 2.31, "gFID", TEXT),
  v(
    "generation/gfid/open-magvit2",
    "LlamaGen-style gFID on Open-MAGVIT2 tokens",
    2.33,
    "gFID",
    TEXT,
  ),
  // Ablation numbers that exist in the paper but are unknown here.
  v("ablation/quantizer/rfid", "rFID per quantizer at d = 16", null, "rFID", ABLATION),
  v("ablation/groups/rfid", "rFID per group count at equal bits", null, "rFID", ABLATION),
  v("ablation/codebook/rfid", "rFID per codebook size", null, "rFID", ABLATION),
  v("ablation/architecture/rfid", "rFID per channels x residual blocks", null, "rFID", ABLATION),
  v("ablation/schedule/rfid", "rFID per learning-rate schedule", null, "rFID", ABLATION),
  v(
    "gd/decode-time",
    "decoding time with and without the generative decoder",
    null,
    "ms",
    ABLATION,
  ),
  v("stability/psnr", "PSNR after repeated encode-decode", null, "dB", ABLATION),
];

/** All qualitative claims of the paper that the experiments test. */
export const PAPER_CLAIMS: readonly PaperClaim[] = [
  c("memory-exact-oom", "Exact LFQ entropy runs out of GPU memory at d = 24.", TEXT),
  c("memory-gq-scales", "GQ keeps the entropy loss's memory small as d grows.", ABSTRACT),
  c(
    "quantizer-order",
    "At d = 16, GQ (2 x 8) beats LFQ (1 x 16), and both far beat BSQ (16 x 1).",
    ABLATION,
  ),
  c("groups-more-better", "More groups at equal bits improve reconstruction steadily.", ABLATION),
  c("codebook-larger-better", "A larger codebook improves reconstruction.", ABSTRACT),
  c(
    "architecture-best",
    "Of 9 channel x block settings, 256 channels x 4 blocks is best.",
    ABLATION,
  ),
  c("schedule-constant", "A constant learning rate beats warm-up + cosine decay.", ABLATION),
  c("gd-improves-rfid", "The generative decoder lowers rFID (5.37 to 3.90).", TEXT),
  c(
    "compression-tradeoff",
    "WeTok sets a better compression / rFID trade-off than prior tokenizers.",
    ABSTRACT,
  ),
  c("stability-fixed-point", "Repeated encode-decode converges to a fixed point.", TEXT),
];

function v(
  key: string,
  quantity: string,
  value: number | null,
  unit: string,
  source: string,
  approximate = false,
): PaperValue {
  return approximate
    ? { key, quantity, value, unit, source, approximate }
    : { key, quantity, value, unit, source };
}

function c(key: string, statement: string, source: string): PaperClaim {
  return { key, statement, source };
}

/**
 * Looks up a paper value by key.
 * @throws Error naming the key and the known keys when it is not listed.
 */
export function paperValue(key: string): PaperValue {
  return findByKey(PAPER_VALUES, key, "paper value");
}

/**
 * Looks up a paper claim by key.
 * @throws Error naming the key and the known keys when it is not listed.
 */
export function paperClaim(key: string): PaperClaim {
  return findByKey(PAPER_CLAIMS, key, "paper claim");
}

/**
 * Returns the entry of `list` with the given key.
 * @param kind what the list contains, such as "paper value", for the error message.
 */
function findByKey<T extends { key: string }>(list: readonly T[], key: string, kind: string): T {
  const found = list.find((p) => p.key === key);
  if (!found) {
    throw new Error(`unknown ${kind} "${key}"; known keys: ${list.map((p) => p.key).join(", ")}`);
  }
  return found;
}

/**
 * Formats a paper value with its unit for a table cell: "0.12 rFID",
 * "~0.2 rFID" (read from a figure) or "unknown".
 */
export function formatPaperValue(value: PaperValue | null | undefined): string {
  if (!value || value.value === null) return "unknown";
  return `${value.approximate ? "~" : ""}${value.value} ${value.unit}`;
}
