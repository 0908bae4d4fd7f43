/**
 * Shared part of the models that run an onnxruntime session on images: the
 * session, the chosen output, the input preparation and the metric name.
 */
import type * as ort from "onnxruntime-node";
import type { tf } from "../../engine/mod.ts";
import { type OnnxInputSpec, toOnnxTensor } from "./_onnx_input.ts";

/**
 * Returns the metric name of a model loaded from `path` when the caller gives
 * none: `"<prefix> (ONNX <file name>)"`, such as "LPIPS (ONNX lpips_vgg.onnx)".
 */
export function defaultOnnxMetricName(prefix: string, path: string): string {
  return `${prefix} (ONNX ${path.split("/").at(-1)})`;
}

/** An onnxruntime session read through one output, with images prepared by one input spec. */
export abstract class OnnxImageModel {
  /** Metric name for tables. */
  readonly metricName: string;
  /** Name of the output that the model's results are read from. */
  protected readonly outputName: string;
  readonly #session: ort.InferenceSession;
  readonly #spec: OnnxInputSpec;

  constructor(
    session: ort.InferenceSession,
    output: string,
    metricName: string,
    spec: OnnxInputSpec,
  ) {
    this.#session = session;
    this.outputName = output;
    this.metricName = metricName;
    this.#spec = spec;
  }

  /** Side that images are resized to before the model, 0 when they keep their size. */
  protected get inputSize(): number {
    return this.#spec.size;
  }

  /** Converts `[B, H, W, 3]` images in [-1, 1] into the model's input tensor. */
  protected toInput(images: tf.Tensor4D): Promise<ort.Tensor> {
    return toOnnxTensor(images, this.#spec);
  }

  /** Runs the session and returns a copy of the output's values, flattened. */
  protected async runOutput(feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
    const result = await this.#session.run(feeds);
    return Float32Array.from(result[this.outputName].data as Float32Array);
  }

  /** Releases the onnxruntime session. */
  async dispose(): Promise<void> {
    await this.#session.release();
  }
}
