/**
 * LPIPS (Zhang et al. 2018) from an ONNX export the user gives, inference
 * only: the project ships no AlexNet or VGG weights. The usual exports take
 * two NCHW images in [-1, 1] and return one distance per image pair.
 */
import type { tf } from "../../engine/mod.ts";
import type * as ort from "onnxruntime-node";
import {
  type OnnxInputRange,
  type OnnxInputSpec,
  type OnnxLayout,
  openSession,
  pickName,
} from "./_onnx_input.ts";
import { defaultOnnxMetricName, OnnxImageModel } from "./_onnx_model.ts";

/** Options of {@link loadLpipsOnnx}. */
export interface LpipsOnnxOptions {
  path: string;
  /** Metric name for tables (default "LPIPS (ONNX <file name>)"), e.g. "LPIPS-VGG". */
  metricName?: string;
  /** Names of the two image inputs (default: the model's two inputs, in order). */
  inputNames?: [string, string];
  /** Output name (default: the model's only output). */
  outputName?: string;
  /** Input layout (default "NCHW"). */
  layout?: OnnxLayout;
  /** Input range (default "minus1to1", LPIPS' convention). */
  inputRange?: OnnxInputRange;
}

/**
 * Opens an LPIPS ONNX model.
 *
 * @throws Error naming the file when it is missing, invalid, or has not two inputs.
 */
export async function loadLpipsOnnx(options: LpipsOnnxOptions): Promise<LpipsOnnx> {
  const session = await openSession(options.path);
  const names = options.inputNames ?? (session.inputNames as string[]);
  if (names.length !== 2) {
    throw new Error(
      `LPIPS model ${options.path} must take two images, it has inputs ${names.join(", ")}`,
    );
  }
  for (const name of names) pickName(session.inputNames, name, "input", options.path);
  const output = pickName(session.outputNames, options.outputName, "output", options.path);
  return new LpipsOnnx(
    session,
    [names[0], names[1]],
    output,
    options.metricName ?? defaultOnnxMetricName("LPIPS", options.path),
    {
      size: 0,
      layout: options.layout ?? "NCHW",
      range: options.inputRange ?? "minus1to1",
    },
  );
}

/** LPIPS backed by an onnxruntime session. */
export class LpipsOnnx extends OnnxImageModel {
  #inputs: [string, string];

  constructor(
    session: ort.InferenceSession,
    inputs: [string, string],
    output: string,
    metricName: string,
    spec: OnnxInputSpec,
  ) {
    super(session, output, metricName, spec);
    this.#inputs = inputs;
  }

  /** Returns one distance per image pair of two `[B, H, W, 3]` batches in [-1, 1]. */
  async distance(a: tf.Tensor4D, b: tf.Tensor4D): Promise<Float32Array> {
    if (a.shape.join() !== b.shape.join()) {
      throw new RangeError(`LPIPS needs equal shapes, got [${a.shape}] and [${b.shape}]`);
    }
    const feeds = {
      [this.#inputs[0]]: await this.toInput(a),
      [this.#inputs[1]]: await this.toInput(b),
    };
    const values = await this.runOutput(feeds);
    const pairs = a.shape[0];
    if (values.length !== pairs) {
      throw new Error(
        `LPIPS output ${this.outputName} gave ${values.length} values for ${pairs} image pairs`,
      );
    }
    return values;
  }
}
