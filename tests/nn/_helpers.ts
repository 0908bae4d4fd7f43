/** Shared helpers of the network tests. */
import { type BackendName, initBackend, parseBackendName, tf } from "../../lib/engine/mod.ts";
import type { TokenizerConfig } from "../../lib/nn/mod.ts";

/**
 * Tokenizer config of the network tests: two levels of 32 and 64 channels,
 * one residual block each, and d = 8 latent channels.
 */
export const TEST_TOKENIZER_CONFIG: TokenizerConfig = {
  ch: 32,
  chMult: [1, 2],
  numResBlocks: 1,
  zChannels: 8,
};

/**
 * Starts the backend for forward-only tests: `WETOK_BACKEND` when set, else
 * `cpu`. Gradient tests call `initBackend("cpu")` themselves.
 */
export async function initTestBackend(): Promise<BackendName> {
  const value = Deno.env.get("WETOK_BACKEND");
  const name = value === undefined || value === "" ? "cpu" : parseBackendName(value);
  await initBackend(name, { announce: false });
  return name;
}

/** Returns max |a - b| over all elements, after checking the shapes agree. */
export function maxAbsDifference(
  a: tf.Tensor | ArrayLike<number>,
  b: tf.Tensor | ArrayLike<number>,
): number {
  const x = a instanceof tf.Tensor ? a.dataSync() : a;
  const y = b instanceof tf.Tensor ? b.dataSync() : b;
  if (x.length !== y.length) throw new Error(`sizes differ: ${x.length} vs ${y.length}`);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  return worst;
}

/** Returns max |x| over all elements. */
export function maxAbs(a: tf.Tensor | ArrayLike<number>): number {
  const x = a instanceof tf.Tensor ? a.dataSync() : a;
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]));
  return worst;
}
