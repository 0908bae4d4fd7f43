/**
 * Encoder downsampling of WeTok (arXiv 2508.05599): a stride-2 3x3 conv with
 * bias and one pixel of zero padding on every side (PyTorch `padding=1`), so
 * `[B, H, W, C]` becomes `[B, ceil(H/2), ceil(W/2), C]`.
 */
import { type Rng, tf } from "../engine/mod.ts";
import { Conv2d } from "./conv2d.ts";
import type { ParameterStore } from "./parameter_store.ts";

/** Stride-2 conv registering `<prefix>.weight` and `<prefix>.bias`, as in the official state dict. */
export class Downsample {
  readonly conv: Conv2d;

  constructor(store: ParameterStore, prefix: string, channels: number, rng: Rng) {
    this.conv = new Conv2d(store, prefix, {
      inChannels: channels,
      outChannels: channels,
      kernelSize: 3,
      stride: 2,
      padding: 1,
      bias: true,
    }, rng);
  }

  /** Halves the spatial size (rounding up). */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv.apply(x);
  }
}
