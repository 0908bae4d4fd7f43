/**
 * Exponential moving average of model weights, used for evaluation:
 * after every update `shadow = decay * shadow + (1 - decay) * weight`.
 * The official WeTok configs (arXiv 2508.05599) use decay 0.999.
 */
import { tf } from "../engine/mod.ts";

/** Default decay of the official WeTok configs. */
export const EMA_DECAY = 0.999;

/** Serializable state of {@link Ema}. */
export interface EmaState {
  /** Number of updates folded into the shadows. */
  updates: number;
  /** Shadow weights by variable name. */
  shadows: Record<string, Float32Array>;
}

/**
 * Shadow copies of named variables, updated after each optimizer step.
 * The shadows start as copies of the weights at construction.
 */
export class Ema {
  readonly decay: number;
  #variables: Record<string, tf.Variable>;
  #shadows = new Map<string, tf.Variable>();
  #updates = 0;

  /**
   * @param variables weights to average, by stable name.
   * @param decay weight of the old average per update, in [0, 1) (default 0.999).
   */
  constructor(variables: Record<string, tf.Variable>, decay = EMA_DECAY) {
    if (!(decay >= 0 && decay < 1)) {
      throw new RangeError(`EMA decay must be in [0, 1), got ${decay}`);
    }
    this.decay = decay;
    this.#variables = { ...variables };
    for (const [name, variable] of Object.entries(variables)) {
      this.#shadows.set(name, tf.tidy(() => tf.variable(variable.clone(), false)));
    }
  }

  /** Number of updates folded in so far. */
  get updates(): number {
    return this.#updates;
  }

  /** Folds the current weights into the shadows. */
  update(): void {
    tf.tidy(() => {
      for (const [name, shadow] of this.#shadows) {
        const weight = this.#variables[name];
        shadow.assign(tf.add(tf.mul(shadow, this.decay), tf.mul(weight, 1 - this.decay)));
      }
    });
    this.#updates += 1;
  }

  /** Returns the shadow of `name` (owned by this object). */
  shadow(name: string): tf.Variable {
    const shadow = this.#shadows.get(name);
    if (shadow === undefined) throw new RangeError(`EMA has no variable named "${name}"`);
    return shadow;
  }

  /**
   * Runs `fn` with the shadows swapped into the live variables, then restores
   * the trained weights, also when `fn` throws.
   */
  async withAveragedWeights<T>(fn: () => T | Promise<T>): Promise<T> {
    const saved = new Map<string, tf.Tensor>();
    for (const [name, variable] of Object.entries(this.#variables)) {
      saved.set(name, tf.keep(variable.clone()));
      variable.assign(this.shadow(name));
    }
    try {
      return await fn();
    } finally {
      for (const [name, variable] of Object.entries(this.#variables)) {
        const weight = saved.get(name)!;
        variable.assign(weight);
        weight.dispose();
      }
    }
  }

  /** Returns a copy of the shadows for a checkpoint. */
  async getState(): Promise<EmaState> {
    const shadows: Record<string, Float32Array> = {};
    for (const [name, shadow] of this.#shadows) {
      shadows[name] = (await shadow.data()) as Float32Array;
    }
    return { updates: this.#updates, shadows };
  }

  /**
   * Restores a state returned by {@link getState}.
   *
   * @throws RangeError naming the variable when names or sizes differ.
   */
  setState(state: EmaState): void {
    const expected = Object.keys(this.#variables).sort();
    const given = Object.keys(state.shadows).sort();
    if (expected.join("\n") !== given.join("\n")) {
      const missing = expected.filter((name) => !(name in state.shadows));
      const extra = given.filter((name) => !(name in this.#variables));
      throw new RangeError(
        `EMA state does not match the model: missing [${missing.join(", ")}], unknown [${
          extra.join(", ")
        }]`,
      );
    }
    for (const [name, values] of Object.entries(state.shadows)) {
      const shadow = this.#shadows.get(name)!;
      if (values.length !== shadow.size) {
        throw new RangeError(
          `EMA state of "${name}" has ${values.length} values, but the variable has ${shadow.size}`,
        );
      }
    }
    for (const [name, values] of Object.entries(state.shadows)) {
      const shadow = this.#shadows.get(name)!;
      tf.tidy(() => shadow.assign(tf.tensor(values, shadow.shape)));
    }
    this.#updates = state.updates;
  }

  /** Frees the shadow tensors. */
  dispose(): void {
    for (const shadow of this.#shadows.values()) shadow.dispose();
    this.#shadows.clear();
  }
}
