/**
 * Seeded random source for every random draw in the project: initialisation,
 * noise, crops and shuffling.
 *
 * The generator is xoshiro128** (Blackman and Vigna, 2018) seeded through
 * splitmix32, so one 32-bit seed fixes the whole stream. Numbers are drawn in
 * JavaScript, not by a backend kernel, so a seed gives the same values on every
 * TensorFlow.js backend. The state is four 32-bit words that checkpoints store
 * and restore, together with the second normal of a Box-Muller pair.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * const crop = rng.int(100);          // integer in [0, 100)
 * const noise = rng.normalTensor([2, 4, 4, 8]);
 * ```
 */
import * as tf from "@tensorflow/tfjs-core";

/** Serializable generator state: four unsigned 32-bit words and the pending Box-Muller normal. */
export interface RngState {
  words: [number, number, number, number];
  spareNormal: number | null;
}

const TWO_POW_32 = 4294967296;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Seeded pseudo-random generator (xoshiro128**), with uniform, normal and tensor draws. */
export class Rng {
  #s = new Uint32Array(4);
  /** A second normal from the last Box-Muller pair, or null. */
  #spareNormal: number | null = null;

  /**
   * @param seed any integer; it is reduced modulo 2^32.
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed) || !Number.isInteger(seed)) {
      throw new RangeError(`Rng seed must be a finite integer, got ${seed}`);
    }
    const next = splitmix32(seed >>> 0);
    for (let i = 0; i < 4; i++) this.#s[i] = next();
    if ((this.#s[0] | this.#s[1] | this.#s[2] | this.#s[3]) === 0) this.#s[0] = 1;
  }

  /** Returns the next unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Returns a float64 uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Returns an integer uniform in [0, n), without modulo bias; `n` must be in [1, 2^32]. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int bound must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Returns a standard normal draw (Box-Muller, float64). */
  normal(): number {
    if (this.#spareNormal !== null) {
      const v = this.#spareNormal;
      this.#spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** Returns a permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** Fills a Float32Array with normal draws of mean `mean` and standard deviation `std`. */
  normalArray(size: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fills a Float32Array with uniform draws in [low, high). */
  uniformArray(size: number, low = 0, high = 1): Float32Array {
    const out = new Float32Array(size);
    const span = high - low;
    for (let i = 0; i < size; i++) out[i] = low + span * this.uniform();
    return out;
  }

  /** Returns a float32 tensor of normal draws on the active backend. */
  normalTensor(shape: number[], mean = 0, std = 1): tf.Tensor {
    return tf.tensor(this.normalArray(sizeOf(shape), mean, std), shape, "float32");
  }

  /** Returns a float32 tensor of uniform draws in [low, high) on the active backend. */
  uniformTensor(shape: number[], low = 0, high = 1): tf.Tensor {
    return tf.tensor(this.uniformArray(sizeOf(shape), low, high), shape, "float32");
  }

  /** Returns a new generator seeded from this one, for an independent sub-stream. */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }

  /** Returns the state for a checkpoint; restoring it continues the stream exactly. */
  getState(): RngState {
    return { words: [this.#s[0], this.#s[1], this.#s[2], this.#s[3]], spareNormal: this.#spareNormal };
  }

  /** Restores a state returned by {@link getState}. */
  setState(state: RngState): void {
    const words = state?.words;
    if (!Array.isArray(words) || words.length !== 4 || words.some((w) => !Number.isInteger(w))) {
      throw new TypeError(`Rng state must hold four 32-bit integer words, got ${JSON.stringify(state)}`);
    }
    for (let i = 0; i < 4; i++) this.#s[i] = words[i] >>> 0;
    this.#spareNormal = typeof state.spareNormal === "number" ? state.spareNormal : null;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function sizeOf(shape: number[]): number {
  let n = 1;
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0) {
      throw new RangeError(`tensor shape must hold non-negative integers, got [${shape}]`);
    }
    n *= dim;
  }
  return n;
}
