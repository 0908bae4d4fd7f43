/**
 * Conversion of model outputs in [-1, 1] to 8-bit pixels, the form on which
 * PSNR and SSIM are reported.
 */

/**
 * Rounding rule that turns a float pixel into an integer in [0, 255] after
 * scaling by `(x + 1) * 127.5` and clamping:
 * - "round": to the nearest integer (halves away from zero);
 * - "truncate": towards zero, as the official WeTok evaluation code does by
 *   casting to uint8 (arXiv 2508.05599, released evaluation script).
 */
export type Uint8Conversion = "round" | "truncate";

/**
 * Converts values in [-1, 1] to uint8 pixels; values outside are clamped first.
 *
 * @param values float pixels in [-1, 1], any layout.
 * @param mode "round" or "truncate" (no default: the two give different PSNRs).
 */
export function toUint8(values: ArrayLike<number>, mode: Uint8Conversion): Uint8Array {
  if (mode !== "round" && mode !== "truncate") {
    throw new RangeError(`invalid uint8 conversion "${mode}": use "round" or "truncate"`);
  }
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.min(255, Math.max(0, (values[i] + 1) * 127.5));
    out[i] = mode === "round" ? Math.round(v) : Math.trunc(v);
  }
  return out;
}
