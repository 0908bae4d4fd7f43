/** Shared input preparation of the ONNX models: resize, rescale, lay out. */
import * as ort from "onnxruntime-node";
import { tf } from "../../engine/mod.ts";

/** Memory layout of the model's image input. */
export type OnnxLayout = "NCHW" | "NHWC";

/**
 * Value range the model expects: "0to1" (pytorch-fid's InceptionV3, which
 * rescales internally), "minus1to1" (LPIPS) or "0to255".
 */
export type OnnxInputRange = "0to1" | "minus1to1" | "0to255";

/** Preparation of images for the model's input tensor. */
export interface OnnxInputSpec {
  /** Square side to resize to with bilinear, half-pixel centres; 0 keeps the size. */
  size: number;
  layout: OnnxLayout;
  range: OnnxInputRange;
}

/** Converts `[B, H, W, 3]` images in [-1, 1] into an onnxruntime float32 tensor. */
export async function toOnnxTensor(images: tf.Tensor4D, spec: OnnxInputSpec): Promise<ort.Tensor> {
  if (images.shape[3] !== 3) {
    throw new RangeError(`ONNX image input needs 3 channels, got [${images.shape}]`);
  }
  const prepared = tf.tidy(() => {
    let x: tf.Tensor4D = images;
    if (spec.size > 0 && (x.shape[1] !== spec.size || x.shape[2] !== spec.size)) {
      x = tf.image.resizeBilinear(x, [spec.size, spec.size], false, true);
    }
    if (spec.range === "0to1") x = tf.mul(tf.add(x, 1), 0.5);
    else if (spec.range === "0to255") x = tf.mul(tf.add(x, 1), 127.5);
    else if (spec.range !== "minus1to1") {
      throw new RangeError(`invalid ONNX input range "${spec.range}"`);
    }
    return spec.layout === "NCHW" ? tf.transpose(x, [0, 3, 1, 2]) : x;
  });
  const data = (await prepared.data()) as Float32Array;
  const dims = prepared.shape;
  prepared.dispose();
  return new ort.Tensor("float32", data, dims);
}

/** Opens an ONNX file, naming it in the error when it cannot be loaded. */
export async function openSession(path: string): Promise<ort.InferenceSession> {
  try {
    await Deno.stat(path);
  } catch (err) {
    throw new Error(`ONNX model ${path} not found: ${(err as Error).message}`, { cause: err });
  }
  try {
    return await ort.InferenceSession.create(path, { executionProviders: ["cpu"] });
  } catch (err) {
    throw new Error(
      `ONNX model ${path} cannot be loaded by onnxruntime: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Returns `requested` if the session has it, else the only name, else an error listing the names. */
export function pickName(
  names: readonly string[],
  requested: string | undefined,
  what: string,
  path: string,
): string {
  if (requested !== undefined) {
    if (!names.includes(requested)) {
      throw new Error(
        `ONNX model ${path} has no ${what} "${requested}"; it has: ${names.join(", ")}`,
      );
    }
    return requested;
  }
  if (names.length !== 1) {
    throw new Error(
      `ONNX model ${path} has ${names.length} ${what}s (${names.join(", ")}); name the one to use`,
    );
  }
  return names[0];
}
