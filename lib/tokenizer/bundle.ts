/**
 * Exported tokenizer bundles: a folder with `config.json` (architecture,
 * quantizer, bit order, compression ratio, provenance), `weights.safetensors`
 * (float32, official WeTok state-dict names, PyTorch layout) and a README.md
 * that explains both to a PyTorch user.
 */
import { join } from "node:path";
import { Rng } from "../engine/mod.ts";
import { atomicWrite, atomicWriteJson } from "../io/atomic_write.ts";
import { loadWeights, saveWeights, validateTokenizerConfig } from "../nn/mod.ts";
import { quantizerKind } from "../train/config.ts";
import { bundleReadme } from "./bundle_readme.ts";
import type { TokenizerProvenance } from "./checkpoint_loader.ts";
import { Tokenizer, type TokenizerSpec } from "./tokenizer.ts";

/** Value of `format` in a bundle's config.json. */
export const BUNDLE_FORMAT = "wetok-tokenizer-bundle";
/** Version of the bundle layout written by {@link exportBundle}. */
export const BUNDLE_VERSION = 1;
/** File names inside a bundle folder. */
export const BUNDLE_FILES = {
  config: "config.json",
  weights: "weights.safetensors",
  readme: "README.md",
} as const;

/** Contents of a bundle's config.json. */
export interface BundleConfig {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  /** Networks and quantizer to build before loading the weights. */
  spec: TokenizerSpec;
  /** Spatial downsampling factor `f`. */
  downsamplingFactor: number;
  quantizer: {
    kind: string;
    /** Latent channels `d`, the bits per token. */
    bits: number;
    /** Index groups per token. */
    groups: number;
    bitsPerGroup: number;
    bitOrder: "lsb-first";
    groupLayout: string;
  };
  /** `24 f^2 / d`: bits of an 8-bit RGB image over the bits of its tokens. */
  compressionRatio: number;
  weights: {
    file: string;
    dtype: "F32";
    layout: "torch";
    convKernels: string;
    linearWeights: string;
    names: string;
    tensors: number;
    parameters: number;
  };
  /** Source checkpoint, training config and extra fields; null for a tokenizer built in memory. */
  provenance: (TokenizerProvenance & Record<string, unknown>) | null;
}

/**
 * Writes `tokenizer` as a bundle into `dir` (created when missing), each file
 * through an atomic write. config.json is written last, so an interrupted
 * export leaves a folder that {@link loadBundle} rejects.
 *
 * @param provenance where the weights came from, or null for a tokenizer built in memory.
 * @param extra fields added to the provenance, such as the code version and the export time.
 * @returns the bundle's config.
 */
export async function exportBundle(
  tokenizer: Tokenizer,
  dir: string,
  provenance: TokenizerProvenance | null,
  extra: Record<string, unknown> = {},
): Promise<BundleConfig> {
  const config = describeBundle(
    tokenizer,
    provenance === null ? null : { ...provenance, ...extra },
  );
  await Deno.mkdir(dir, { recursive: true });
  await saveWeights(join(dir, BUNDLE_FILES.weights), tokenizer.store, {
    layout: "torch",
    metadata: { format: BUNDLE_FORMAT, network: tokenizer.spec.network },
  });
  await atomicWrite(join(dir, BUNDLE_FILES.readme), bundleReadme(config));
  await atomicWriteJson(join(dir, BUNDLE_FILES.config), config);
  return config;
}

/** Returns the config.json contents that describe `tokenizer`. */
export function describeBundle(
  tokenizer: Tokenizer,
  provenance: (TokenizerProvenance & Record<string, unknown>) | null,
): BundleConfig {
  if (tokenizer.quantizer.trainableVariables().length > 0) {
    throw new RangeError(
      `cannot export a ${tokenizer.quantizer.kind} tokenizer: the bundle format stores encoder and ` +
        "decoder weights only, not a learned codebook; load its training checkpoint instead",
    );
  }
  const bits = tokenizer.bits;
  const groups = tokenizer.indexGroups;
  const width = bits / groups;
  const entries = tokenizer.store.entries();
  return {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_VERSION,
    spec: tokenizer.spec,
    downsamplingFactor: tokenizer.downsamplingFactor,
    quantizer: {
      // NOTE: the layout below describes the sign quantizers; FSQ indices are mixed-radix.
      kind: quantizerKind(tokenizer.spec.quantizer),
      bits,
      groups,
      bitsPerGroup: width,
      bitOrder: "lsb-first",
      groupLayout:
        `group k holds latent channels [${width}k, ${width}(k+1)); index = sum_j 2^j bit_j ` +
        "with bit_j = 1 when channel j of the group is > 0",
    },
    compressionRatio: tokenizer.compressionRatio,
    weights: {
      file: BUNDLE_FILES.weights,
      dtype: "F32",
      layout: "torch",
      convKernels: "OIHW [out, in, kh, kw]",
      linearWeights: "[out, in]",
      names: "state-dict names of the official WeTok PyTorch code (encoder.*, decoder.*)",
      tensors: entries.length,
      parameters: entries.reduce((sum, entry) => sum + entry.variable.size, 0),
    },
    provenance,
  };
}

/**
 * Loads a bundle written by {@link exportBundle}.
 *
 * @throws Error naming the folder when config.json is missing or of another
 *   format, or the weights do not match the architecture.
 */
export async function loadBundle(
  dir: string,
): Promise<{ tokenizer: Tokenizer; config: BundleConfig }> {
  const configPath = join(dir, BUNDLE_FILES.config);
  let text: string;
  try {
    text = await Deno.readTextFile(configPath);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(
        `bundle ${dir} has no ${BUNDLE_FILES.config}; create a bundle with "deno task export --checkpoint RUN_DIR --out ${dir}"`,
      );
    }
    throw err;
  }
  let config: BundleConfig;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw new Error(`invalid ${configPath}: ${(err as Error).message}`);
  }
  if (config?.format !== BUNDLE_FORMAT || config.formatVersion !== BUNDLE_VERSION) {
    throw new Error(
      `${configPath} is not a version-${BUNDLE_VERSION} tokenizer bundle (format "${config?.format}", ` +
        `version ${config?.formatVersion}); export it again with "deno task export"`,
    );
  }
  validateTokenizerConfig(config.spec.architecture);
  const tokenizer = new Tokenizer(config.spec, new Rng(0));
  try {
    await loadWeights(join(dir, config.weights.file), tokenizer.store, { layout: "torch" });
  } catch (err) {
    tokenizer.dispose();
    throw err;
  }
  return { tokenizer, config };
}
