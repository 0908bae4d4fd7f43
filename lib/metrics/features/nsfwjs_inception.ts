/**
 * InceptionV3 layers up to `mixed5` from the `nsfwjs` npm package (4.3.0,
 * MIT), loaded offline from node_modules. The package ships a Keras
 * InceptionV3 as a TensorFlow.js layers model with uint8-quantised weights.
 * Its shipped topology marks the layers up to `mixed5` (and some after) as
 * non-trainable, which suggests that they kept the ImageNet weights they
 * started from while the package's classifier head was fine-tuned. The
 * batch-norm statistics do not settle this (see {@link NsfwjsInputScaling}).
 *
 * The Frechet distance on these features is NOT the published FID, which
 * uses the pool3 features of TensorFlow's 2015 FID Inception. Tables must
 * show it as "FD-InceptionV3-mixed5 (nsfwjs)".
 */
import * as tfl from "@tensorflow/tfjs";
import { tf } from "../../engine/mod.ts";
import type { FeatureExtractor } from "./feature_extractor.ts";
import { NSFWJS_MIXED5_METRIC } from "./metric_names.ts";

export { NSFWJS_MIXED5_METRIC };

/** Layers whose outputs the perceptual distance compares by default (stem to mixed5). */
export const DEFAULT_PERCEPTUAL_LAYERS: readonly string[] = [
  "activation_3",
  "activation_5",
  "mixed0",
  "mixed2",
  "mixed5",
];

/**
 * Input scaling before the network:
 * - "imagenet": [-1, 1], Keras' InceptionV3 `preprocess_input` (default);
 * - "nsfwjs": [0, 1], what the nsfwjs package itself feeds.
 *
 * NOTE: the shipped batch-norm moving statistics match [0, 1] inputs better.
 * On the 14 photos of the ci corpus, the first batch norm's input means
 * differ from its moving means by 0.06 on average with [0, 1] inputs and by
 * 0.42 with [-1, 1] inputs (the test "nsfwjs batch norm favours [0, 1] inputs"). So
 * "nsfwjs" likely matches the shipped weights better than the default does.
 */
export type NsfwjsInputScaling = "imagenet" | "nsfwjs";

/** Options of {@link loadNsfwjsInception}. */
export interface NsfwjsInceptionOptions {
  /** Input scaling (default "imagenet", [-1, 1]). */
  inputScaling?: NsfwjsInputScaling;
  /** Layers available to {@link NsfwjsInception.featureMaps} (default {@link DEFAULT_PERCEPTUAL_LAYERS}). */
  layers?: readonly string[];
}

interface WeightsManifestGroup {
  paths: string[];
  weights: tfl.io.WeightsManifestEntry[];
}

/** One layer of the kept trunk, as the shipped Keras topology describes it. */
interface LayerSpec {
  class_name: string;
  name: string;
  config: Record<string, any>;
  inbound_nodes: [string, number, number, unknown][][];
}

/** A conv layer with its batch norm folded in: `relu(conv(x, kernel) + bias)`. */
interface FoldedConv {
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
  strides: [number, number];
  padding: "valid" | "same";
}

interface NsfwjsPackage {
  topology: any;
  weightSpecs: tfl.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

async function readNsfwjsPackage(): Promise<NsfwjsPackage> {
  let entry: {
    modelJson: () => Promise<
      { default: { modelTopology: any; weightsManifest: WeightsManifestGroup[] } }
    >;
    weightBundles: (() => Promise<{ default: string }>)[];
  };
  try {
    entry = (await import("nsfwjs/models/inception_v3")).InceptionV3Model;
  } catch (err) {
    throw new Error(
      `cannot load the InceptionV3 model of the nsfwjs package (${(err as Error).message}); ` +
        "run setup.sh so that nsfwjs@4.3.0 is installed",
      { cause: err },
    );
  }
  const json = (await entry.modelJson()).default;
  const shards = await Promise.all(
    entry.weightBundles.map(async (load) => decodeBase64((await load()).default)),
  );
  return {
    topology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: concat(shards),
  };
}

/**
 * Returns the shipped weights, dequantised, by Keras name (e.g.
 * "batch_normalization_1/moving_mean"). The caller disposes them.
 */
export async function readNsfwjsWeights(): Promise<Record<string, tf.Tensor>> {
  const pkg = await readNsfwjsPackage();
  return tfl.io.decodeWeights(pkg.weightData, pkg.weightSpecs) as Record<string, tf.Tensor>;
}

/** Returns the topology's layers up to the deepest of `wanted`, checking that each exists. */
function trunkLayers(topology: any, wanted: readonly string[]): LayerSpec[] {
  const layers: LayerSpec[] = topology.model_config.config.layers;
  const names = layers.map((layer) => layer.name);
  for (const name of wanted) {
    if (!names.includes(name)) {
      throw new Error(
        `nsfwjs InceptionV3 has no layer "${name}"; layer names look like mixed0..mixed10, activation_N`,
      );
    }
  }
  // The shipped list is in topological order.
  return layers.slice(0, Math.max(...wanted.map((name) => names.indexOf(name))) + 1);
}

/**
 * Loads the network from the installed `nsfwjs` package (no network access)
 * and folds each batch norm into the convolution before it.
 *
 * @throws Error naming the package when it is not installed, or a layer that does not exist.
 */
export async function loadNsfwjsInception(
  options: NsfwjsInceptionOptions = {},
): Promise<NsfwjsInception> {
  const wanted = [...new Set([...(options.layers ?? DEFAULT_PERCEPTUAL_LAYERS), "mixed5"])];
  const pkg = await readNsfwjsPackage();
  const layers = trunkLayers(pkg.topology, wanted);
  const weights = tfl.io.decodeWeights(pkg.weightData, pkg.weightSpecs);
  const convs = new Map<string, FoldedConv>();
  for (const layer of layers) {
    if (layer.class_name !== "Conv2D") continue;
    const bnLayer = layers.find((l) => l.inbound_nodes[0]?.[0]?.[0] === layer.name);
    if (
      bnLayer?.class_name !== "BatchNormalization" || layer.config.use_bias || bnLayer.config.scale
    ) {
      throw new Error(
        `nsfwjs InceptionV3: ${layer.name} is not the bias-free conv + scale-free batch norm this loader folds`,
      );
    }
    const bn = (key: string) => weights[`${bnLayer.name}/${key}`];
    convs.set(
      layer.name,
      tf.tidy(() => {
        const scale = tf.rsqrt(tf.add(bn("moving_variance"), bnLayer.config.epsilon));
        return {
          kernel: tf.keep(tf.mul(weights[`${layer.name}/kernel`], scale) as tf.Tensor4D),
          bias: tf.keep(tf.sub(bn("beta"), tf.mul(bn("moving_mean"), scale)) as tf.Tensor1D),
          strides: layer.config.strides,
          padding: layer.config.padding,
        };
      }),
    );
  }
  tf.dispose(Object.values(weights));
  return new NsfwjsInception(layers, convs, wanted, options.inputScaling ?? "imagenet");
}

/**
 * Loads the same trunk as a TensorFlow.js layers model, without folding, as
 * an independent reference for tests (inference only: the shipped batch
 * norms have no scale, and TensorFlow.js cannot differentiate such a layer).
 */
export async function loadNsfwjsLayersModel(
  layerNames: readonly string[],
): Promise<tfl.LayersModel> {
  const pkg = await readNsfwjsPackage();
  const topology = structuredClone(pkg.topology);
  const config = topology.model_config.config;
  config.layers = trunkLayers(topology, layerNames);
  config.output_layers = layerNames.map((name) => [name, 0, 0]);
  config.layers[0].config.batch_input_shape = [null, null, null, 3];
  // strict: false, because the weights of the dropped layers stay unused.
  return await tfl.loadLayersModel(
    tfl.io.fromMemory({
      modelTopology: topology,
      weightSpecs: pkg.weightSpecs,
      weightData: pkg.weightData,
    }),
    { strict: false },
  );
}

/** The frozen trunk: feature maps for a perceptual distance, pooled mixed5 features for Frechet distances. */
export class NsfwjsInception implements FeatureExtractor {
  readonly metricName = NSFWJS_MIXED5_METRIC;
  /** Channels of pooled mixed5. */
  readonly dim = 768;
  /** Side the images are resized to before feature extraction (InceptionV3's 299). */
  readonly inputSize = 299;
  readonly layerNames: readonly string[];
  readonly inputScaling: NsfwjsInputScaling;
  #layers: LayerSpec[];
  #convs: Map<string, FoldedConv>;

  constructor(
    layers: LayerSpec[],
    convs: Map<string, FoldedConv>,
    layerNames: string[],
    inputScaling: NsfwjsInputScaling,
  ) {
    this.#layers = layers;
    this.#convs = convs;
    this.layerNames = layerNames;
    this.inputScaling = inputScaling;
  }

  /**
   * Returns the feature maps of the requested layers for `[B, H, W, 3]` images
   * in [-1, 1] (H, W >= 75), differentiable with respect to `images`.
   * The caller disposes the returned tensors (or runs inside `tf.tidy`).
   */
  featureMaps(images: tf.Tensor4D, layers: readonly string[] = this.layerNames): tf.Tensor4D[] {
    const [, h, w, c] = images.shape;
    if (c !== 3 || h < 75 || w < 75) {
      throw new RangeError(
        `nsfwjs InceptionV3 needs [B, H>=75, W>=75, 3] images, got [${images.shape}]`,
      );
    }
    for (const name of layers) {
      if (!this.layerNames.includes(name)) {
        throw new RangeError(
          `layer "${name}" was not loaded; pass it in the layers option of loadNsfwjsInception`,
        );
      }
    }
    return tf.tidy(() => {
      const input = this.inputScaling === "imagenet"
        ? images
        : tf.mul(tf.add(images, 1), 0.5) as tf.Tensor4D;
      const values = new Map<string, tf.Tensor4D>();
      for (const layer of this.#layers) {
        const inputs = (layer.inbound_nodes[0] ?? []).map(([name]) => values.get(name)!);
        values.set(layer.name, this.#apply(layer, inputs, input));
      }
      return layers.map((name) => values.get(name)!);
    });
  }

  #apply(layer: LayerSpec, inputs: tf.Tensor4D[], image: tf.Tensor4D): tf.Tensor4D {
    const cfg = layer.config;
    switch (layer.class_name) {
      case "InputLayer":
        return image;
      case "Conv2D": {
        const conv = this.#convs.get(layer.name)!;
        return tf.fused.conv2d({
          x: inputs[0],
          filter: conv.kernel,
          bias: conv.bias,
          strides: conv.strides,
          pad: conv.padding,
          activation: "relu",
        });
      }
      case "BatchNormalization":
      case "Activation":
        // Folded into the conv before it (bias and relu), so the value passes through.
        if (layer.class_name === "Activation" && cfg.activation !== "relu") {
          throw new Error(
            `nsfwjs InceptionV3: unexpected activation ${cfg.activation} in ${layer.name}`,
          );
        }
        return inputs[0];
      case "MaxPooling2D":
        return tf.maxPool(inputs[0], cfg.pool_size, cfg.strides, cfg.padding);
      case "AveragePooling2D":
        return averagePool(inputs[0], cfg.pool_size, cfg.strides, cfg.padding);
      case "Concatenate":
        return tf.concat(inputs, -1);
      default:
        throw new Error(
          `nsfwjs InceptionV3: layer type ${layer.class_name} (${layer.name}) is not supported`,
        );
    }
  }

  /** Returns `B * 768` pooled mixed5 features after bilinear resizing to 299x299 (half-pixel centres). */
  async extract(images: tf.Tensor4D): Promise<Float32Array> {
    const pooled = tf.tidy(() => {
      const resized = tf.image.resizeBilinear(
        images,
        [this.inputSize, this.inputSize],
        false,
        true,
      );
      const [mixed5] = this.featureMaps(resized as tf.Tensor4D, ["mixed5"]);
      return tf.mean(mixed5, [1, 2]);
    });
    const data = (await pooled.data()) as Float32Array;
    pooled.dispose();
    return data;
  }

  dispose(): void {
    for (const conv of this.#convs.values()) tf.dispose([conv.kernel, conv.bias]);
    this.#convs.clear();
  }
}

/**
 * Average pooling as Keras computes it ("same" padding averages over the
 * pixels inside the image only), with a correct gradient.
 *
 * NOTE: TensorFlow.js 4.22's own `avgPool` with "same" padding has a wrong
 * gradient at the borders (the backward pass divides by the full window), so
 * "same" is built from a zero-padded "valid" pool rescaled by the count of real pixels.
 */
function averagePool(
  x: tf.Tensor4D,
  size: [number, number],
  strides: [number, number],
  padding: "valid" | "same",
): tf.Tensor4D {
  if (padding === "valid") return tf.avgPool(x, size, strides, "valid");
  if (strides[0] !== 1 || strides[1] !== 1) {
    throw new Error(
      `averagePool supports "same" padding only with stride 1, got strides [${strides}]`,
    );
  }
  const [, h, w] = x.shape;
  const pads: [number, number][] = size.map((
    k,
  ) => [Math.floor((k - 1) / 2), k - 1 - Math.floor((k - 1) / 2)]);
  const paddings: [number, number][] = [[0, 0], pads[0], pads[1], [0, 0]];
  const pooled = tf.avgPool(tf.pad(x, paddings), size, 1, "valid");
  const fraction = tf.avgPool(
    tf.pad(tf.ones([1, h, w, 1]) as tf.Tensor4D, paddings),
    size,
    1,
    "valid",
  );
  return tf.div(pooled, fraction);
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function concat(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out.buffer;
}
