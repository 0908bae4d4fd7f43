/**
 * Feature extraction with any ONNX model the user gives, run by
 * onnxruntime-node on the CPU. With an export of the FID InceptionV3 (pool3,
 * 2048 features, e.g. pytorch-fid's `FID_WEIGHTS` network) this gives the
 * published rFID; with any other network, name the metric after it.
 */
import { tf } from "../../engine/mod.ts";
import type * as ort from "onnxruntime-node";
import type { FeatureExtractor } from "./feature_extractor.ts";
import {
  type OnnxInputRange,
  type OnnxInputSpec,
  type OnnxLayout,
  openSession,
  pickName,
} from "./_onnx_input.ts";
import { defaultOnnxMetricName, OnnxImageModel } from "./_onnx_model.ts";

/** Options of {@link loadOnnxExtractor}. */
export interface OnnxExtractorOptions {
  /** Path of the .onnx file. */
  path: string;
  /** Metric name for tables (default "FD (ONNX <file name>)"); use "rFID" only for the FID Inception weights. */
  metricName?: string;
  /** Input name (default: the model's only input). */
  inputName?: string;
  /** Output name (default: the model's only output). */
  outputName?: string;
  /** Input layout (default "NCHW", PyTorch exports). */
  layout?: OnnxLayout;
  /** Side to resize to (default 299, InceptionV3; 0 keeps the input size). */
  inputSize?: number;
  /** Input range (default "0to1", what pytorch-fid's InceptionV3 takes). */
  inputRange?: OnnxInputRange;
}

/**
 * Opens an ONNX feature model; the feature length is read from one test run on
 * a grey image of the input size.
 *
 * @throws Error naming the file when it is missing, not a valid model, or
 *   its input and output names are ambiguous.
 */
export async function loadOnnxExtractor(
  options: OnnxExtractorOptions,
): Promise<OnnxFeatureExtractor> {
  const session = await openSession(options.path);
  const input = pickName(session.inputNames, options.inputName, "input", options.path);
  const output = pickName(session.outputNames, options.outputName, "output", options.path);
  const extractor = new OnnxFeatureExtractor(
    session,
    input,
    output,
    options.metricName ?? defaultOnnxMetricName("FD", options.path),
    {
      size: options.inputSize ?? 299,
      layout: options.layout ?? "NCHW",
      range: options.inputRange ?? "0to1",
    },
  );
  await extractor.probe();
  return extractor;
}

/** A feature extractor backed by an onnxruntime session. */
export class OnnxFeatureExtractor extends OnnxImageModel implements FeatureExtractor {
  dim = 0;
  #input: string;

  constructor(
    session: ort.InferenceSession,
    input: string,
    output: string,
    metricName: string,
    spec: OnnxInputSpec,
  ) {
    super(session, output, metricName, spec);
    this.#input = input;
  }

  /** Runs one grey image to learn the feature length. */
  async probe(): Promise<void> {
    const side = this.inputSize > 0 ? this.inputSize : 64;
    const grey = tf.zeros([1, side, side, 3]) as tf.Tensor4D;
    try {
      const features = await this.#run(grey);
      this.dim = features.length;
    } finally {
      grey.dispose();
    }
  }

  async extract(images: tf.Tensor4D): Promise<Float32Array> {
    const features = await this.#run(images);
    const batch = images.shape[0];
    if (features.length !== batch * this.dim) {
      throw new Error(
        `ONNX output ${this.outputName} gave ${features.length} values for ${batch} images of ${this.dim} features`,
      );
    }
    return features;
  }

  async #run(images: tf.Tensor4D): Promise<Float32Array> {
    const tensor = await this.toInput(images);
    // Outputs such as [B, 2048, 1, 1] are flattened to [B, 2048].
    return await this.runOutput({ [this.#input]: tensor });
  }
}
