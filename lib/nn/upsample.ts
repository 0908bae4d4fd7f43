/**
 * Decoder upsampling of WeTok (arXiv 2508.05599): a 3x3 conv with bias to 4x
 * the channels, then depth-to-space with block size 2 in DCR order, so
 * `[B, H, W, C]` becomes `[B, 2H, 2W, C]`.
 */
import { depthToSpace, type Rng, tf } from "../engine/mod.ts";
import { Conv2d } from "./conv2d.ts";
import type { ParameterStore } from "./parameter_store.ts";

/** Upsampler registering `<prefix>.conv1.weight` and `<prefix>.conv1.bias`. */
export class Upsample {
  readonly conv: Conv2d;

  constructor(store: ParameterStore, prefix: string, channels: number, rng: Rng) {
    this.conv = new Conv2d(store, `${prefix}.conv1`, {
      inChannels: channels,
      outChannels: 4 * channels,
      kernelSize: 3,
      padding: 1,
      bias: true,
    }, rng);
  }

  /** Doubles the spatial size. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => depthToSpace(this.conv.apply(x), 2));
  }
}
