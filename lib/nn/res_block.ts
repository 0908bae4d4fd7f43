/**
 * Residual block of the WeTok encoder and decoder (arXiv 2508.05599):
 * GroupNorm - swish - 3x3 conv - GroupNorm - swish - 3x3 conv, plus the input,
 * projected by a 1x1 conv when the channel count changes. None of its convs
 * has a bias, as in the official code.
 */
import { type Rng, tf } from "../engine/mod.ts";
import { Conv2d } from "./conv2d.ts";
import { GroupNorm } from "./group_norm.ts";
import type { ParameterStore } from "./parameter_store.ts";
import { swish } from "./swish.ts";

/**
 * Residual block registering `<prefix>.norm1`, `.conv1`, `.norm2`, `.conv2`
 * and, when `inChannels !== outChannels`, `.nin_shortcut` (1x1, no bias).
 */
export class ResBlock {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly shortcut: Conv2d | null;

  /** @param inChannels, outChannels channel counts, each divisible by 32. */
  constructor(
    store: ParameterStore,
    prefix: string,
    inChannels: number,
    outChannels: number,
    rng: Rng,
  ) {
    this.norm1 = new GroupNorm(store, `${prefix}.norm1`, inChannels);
    this.norm2 = new GroupNorm(store, `${prefix}.norm2`, outChannels);
    const conv3x3 = { kernelSize: 3, padding: 1, bias: false };
    this.conv1 = new Conv2d(store, `${prefix}.conv1`, {
      inChannels,
      outChannels,
      ...conv3x3,
    }, rng);
    this.conv2 = new Conv2d(store, `${prefix}.conv2`, {
      inChannels: outChannels,
      outChannels,
      ...conv3x3,
    }, rng);
    this.shortcut = inChannels === outChannels ? null : new Conv2d(
      store,
      `${prefix}.nin_shortcut`,
      { inChannels, outChannels, kernelSize: 1, bias: false },
      rng,
    );
  }

  /** Maps `[B, H, W, in]` to `[B, H, W, out]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.conv1.apply(swish(this.norm1.apply(x)));
      h = this.conv2.apply(swish(this.norm2.apply(h)));
      const residual = this.shortcut === null ? x : this.shortcut.apply(x);
      return tf.add(h, residual);
    });
  }
}

/**
 * Builds `count` residual blocks named `<prefix>.0`, `<prefix>.1`, ... in that
 * registration order. The first maps `inChannels` to `outChannels`, and the
 * others keep `outChannels`.
 */
export function resBlockStack(
  store: ParameterStore,
  prefix: string,
  count: number,
  inChannels: number,
  outChannels: number,
  rng: Rng,
): ResBlock[] {
  const blocks: ResBlock[] = [];
  let channels = inChannels;
  for (let i = 0; i < count; i++) {
    blocks.push(new ResBlock(store, `${prefix}.${i}`, channels, outChannels, rng));
    channels = outChannels;
  }
  return blocks;
}
