/** The README.md written into every exported tokenizer bundle. */
import { quantizerKind } from "../train/config.ts";
import type { BundleConfig } from "./bundle.ts";

/** Returns the bundle README for `config`, in Markdown. */
export function bundleReadme(config: BundleConfig): string {
  const { spec, quantizer, weights, provenance } = config;
  const a = spec.architecture;
  // BSQ projects the latent onto the unit sphere, so its codes are +-1/sqrt(d).
  const kind = quantizerKind(spec.quantizer);
  const code = kind === "bsq" ? `1/sqrt(${a.zChannels})` : "1";
  const source = provenance === null
    ? "built in memory (no training checkpoint)"
    : `${
      provenance.weights === "ema" ? "EMA" : "raw"
    } weights of checkpoint \`${provenance.checkpoint}\` ` +
      `(step ${provenance.step}, stage ${provenance.stage})`;
  return `# WeTok tokenizer bundle: ${spec.network}

A WeTok discrete image tokenizer (arXiv 2508.05599) with the ${kind}
quantizer and ${
    spec.decoder === "generative" ? "the generative" : "a deterministic"
  } decoder, exported by
\`deno task export\`. Weights: ${source}.

| file | contents |
|---|---|
| \`config.json\` | architecture, quantizer, bit order, compression ratio, provenance (training config included) |
| \`${weights.file}\` | ${weights.tensors} float32 tensors, ${weights.parameters} values |
| \`README.md\` | this file |

## Shape

- Encoder/decoder: ch ${a.ch}, ch_mult [${a.chMult.join(", ")}], num_res_blocks ${a.numResBlocks},
  z_channels ${a.zChannels} (the fields of the official \`ddconfig\`).
- Downsampling factor f = ${config.downsamplingFactor}: a token covers ${config.downsamplingFactor}x${config.downsamplingFactor} pixels.
- Quantizer: ${quantizer.kind}, d = ${quantizer.bits} bits per token in ${quantizer.groups} group(s) of ${quantizer.bitsPerGroup} bits.
  A latent value > 0 gives bit 1 (code +${code}), otherwise bit 0 (code -${code}).
  Group k holds latent channels [${quantizer.bitsPerGroup}k, ${quantizer.bitsPerGroup}(k+1)), and its index is
  sum_j 2^j bit_j (least-significant bit first, the order of the official code).
- Compression ratio 24 f^2 / d = ${config.compressionRatio}.
- Decoder: ${spec.decoder}.${
    spec.decoder === "generative"
      ? ` Its first conv reads ${2 * a.zChannels} channels: the ${a.zChannels} code
  channels, then ${a.zChannels} channels of N(0, 1) noise (zeros for deterministic decoding).`
      : ""
  }
- Images are RGB in [-1, 1] (pixel / 127.5 - 1).

## Weights

\`${weights.file}\` is a safetensors file with the state-dict names of the
official WeTok PyTorch code (\`encoder.conv_in.weight\`, \`decoder.adaptive.0.gamma.weight\`, ...)
in PyTorch layout: conv kernels ${weights.convKernels}, linear weights
${weights.linearWeights}. Load it in PyTorch with

\`\`\`python
from safetensors.torch import load_file
state = load_file("${weights.file}")   # then model.load_state_dict(state) on a matching module
\`\`\`

and in this project with

\`\`\`ts
import { loadBundle } from "./lib/tokenizer/mod.ts";
const { tokenizer } = await loadBundle("path/to/this/folder");
\`\`\`
`;
}
