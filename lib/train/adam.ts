/**
 * Adam (Kingma and Ba, 2015) over named TensorFlow.js variables, with its whole
 * state (first and second moments, step count) explicit so that a checkpoint
 * can save and restore it exactly.
 *
 * The update follows PyTorch's `torch.optim.Adam`, which the official WeTok
 * code (arXiv 2508.05599) trains with: epsilon is added to the bias-corrected
 * root of the second moment,
 *
 *     m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2
 *     w = w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 *
 * TensorFlow.js's `tf.train.adam` adds epsilon before the bias correction of
 * `v`, so the two differ by `eps * (1 / sqrt(1 - b2^t) - 1)` in the denominator.
 */
import { tf } from "../engine/mod.ts";

/** Hyperparameters of {@link Adam}. */
export interface AdamOptions {
  /** Exponential decay of the first moment (default 0.5, the official WeTok configs). */
  beta1?: number;
  /** Exponential decay of the second moment (default 0.9, the official WeTok configs). */
  beta2?: number;
  /** Added to the bias-corrected root of the second moment (default 1e-8, PyTorch's default). */
  epsilon?: number;
}

/** Serializable state of {@link Adam}: moments as float32 arrays by variable name. */
export interface AdamState {
  /** Number of updates applied so far. */
  step: number;
  /** First moments by variable name; a variable that never received a gradient has none. */
  m: Record<string, Float32Array>;
  /** Second moments by variable name. */
  v: Record<string, Float32Array>;
}

/** Default beta1 of the official WeTok configs. */
export const ADAM_BETA1 = 0.5;
/** Default beta2 of the official WeTok configs. */
export const ADAM_BETA2 = 0.9;
/** Default epsilon, PyTorch's. */
export const ADAM_EPSILON = 1e-8;

/**
 * Adam optimizer over a fixed set of named variables.
 *
 * @example
 * ```ts
 * const adam = new Adam({ w: tf.variable(tf.zeros([3])) });
 * const { grads } = tf.variableGrads(() => lossOf(w));
 * adam.applyGradients({ w: grads[w.name] }, 1e-4);
 * ```
 */
export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly variables: Readonly<Record<string, tf.Variable>>;
  #step = 0;
  #m = new Map<string, tf.Variable>();
  #v = new Map<string, tf.Variable>();

  /**
   * @param variables the parameters to update, by stable name (the checkpoint key).
   * @param options betas and epsilon; see {@link AdamOptions} for defaults.
   */
  constructor(variables: Record<string, tf.Variable>, options: AdamOptions = {}) {
    this.beta1 = options.beta1 ?? ADAM_BETA1;
    this.beta2 = options.beta2 ?? ADAM_BETA2;
    this.epsilon = options.epsilon ?? ADAM_EPSILON;
    for (const [key, value] of [["beta1", this.beta1], ["beta2", this.beta2]] as const) {
      if (!(value >= 0 && value < 1)) {
        throw new RangeError(`Adam ${key} must be in [0, 1), got ${value}`);
      }
    }
    if (!(this.epsilon > 0)) throw new RangeError(`Adam epsilon must be > 0, got ${this.epsilon}`);
    if (Object.keys(variables).length === 0) {
      throw new RangeError("Adam needs at least one variable, got none");
    }
    this.variables = { ...variables };
  }

  /** Number of updates applied so far (PyTorch's `state["step"]`). */
  get step(): number {
    return this.#step;
  }

  /**
   * Applies one update with learning rate `learningRate` and increments the step.
   * Variables missing from `grads` (or with a null gradient) are left unchanged
   * and their moments do not decay, as in PyTorch when `.grad` is None.
   * The caller keeps ownership of `grads`.
   *
   * @throws RangeError when `grads` names an unknown variable or a gradient's shape differs.
   */
  applyGradients(grads: Record<string, tf.Tensor | null | undefined>, learningRate: number): void {
    if (!(learningRate >= 0) || !Number.isFinite(learningRate)) {
      throw new RangeError(`Adam learning rate must be a finite number >= 0, got ${learningRate}`);
    }
    for (const [name, grad] of Object.entries(grads)) {
      const variable = this.variables[name];
      if (variable === undefined) {
        throw new RangeError(
          `Adam has no variable named "${name}"; pass only the variables it was built with`,
        );
      }
      if (grad != null && !tf.util.arraysEqual(grad.shape, variable.shape)) {
        throw new RangeError(
          `Adam gradient of "${name}" has shape [${grad.shape}], but the variable has [${variable.shape}]`,
        );
      }
    }
    this.#step += 1;
    const t = this.#step;
    // Bias corrections in float64, then one float32 scalar each: the same numbers on every backend.
    const stepSize = learningRate / (1 - this.beta1 ** t);
    const rootCorrection = Math.sqrt(1 - this.beta2 ** t);
    tf.tidy(() => {
      for (const [name, variable] of Object.entries(this.variables)) {
        const grad = grads[name];
        if (grad == null) continue;
        const m = this.#moment(this.#m, name, variable);
        const v = this.#moment(this.#v, name, variable);
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(grad, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2)));
        const denominator = tf.add(tf.div(tf.sqrt(v), rootCorrection), this.epsilon);
        variable.assign(tf.sub(variable, tf.mul(tf.div(m, denominator), stepSize)));
      }
    });
  }

  /** Returns a copy of the state (moments downloaded to the CPU) for a checkpoint. */
  async getState(): Promise<AdamState> {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const [name, tensor] of this.#m) m[name] = (await tensor.data()) as Float32Array;
    for (const [name, tensor] of this.#v) v[name] = (await tensor.data()) as Float32Array;
    return { step: this.#step, m, v };
  }

  /**
   * Restores a state returned by {@link getState}; the next update then equals
   * the one the saved optimizer would have made.
   *
   * @throws RangeError naming the variable when a moment's name or size does not match.
   */
  setState(state: AdamState): void {
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new RangeError(`Adam state step must be an integer >= 0, got ${state.step}`);
    }
    for (const [label, moments] of [["m", state.m], ["v", state.v]] as const) {
      for (const [name, values] of Object.entries(moments)) {
        const variable = this.variables[name];
        if (variable === undefined) {
          throw new RangeError(`Adam state has moment ${label} for unknown variable "${name}"`);
        }
        if (values.length !== variable.size) {
          throw new RangeError(
            `Adam state moment ${label} of "${name}" has ${values.length} values, ` +
              `but the variable has ${variable.size} ([${variable.shape}])`,
          );
        }
      }
    }
    this.#disposeMoments();
    for (const [name, values] of Object.entries(state.m)) {
      this.#m.set(
        name,
        tf.tidy(() => tf.variable(tf.tensor(values, this.variables[name].shape), false)),
      );
    }
    for (const [name, values] of Object.entries(state.v)) {
      this.#v.set(
        name,
        tf.tidy(() => tf.variable(tf.tensor(values, this.variables[name].shape), false)),
      );
    }
    this.#step = state.step;
  }

  /** Frees the moment tensors; the parameters stay with their owner. */
  dispose(): void {
    this.#disposeMoments();
  }

  #moment(store: Map<string, tf.Variable>, name: string, like: tf.Variable): tf.Variable {
    let moment = store.get(name);
    if (moment === undefined) {
      // Variables are not tracked by tf.tidy, so the moment outlives the update's scope.
      moment = tf.variable(tf.zerosLike(like), false);
      store.set(name, moment);
    }
    return moment;
  }

  #disposeMoments(): void {
    for (const tensor of this.#m.values()) tensor.dispose();
    for (const tensor of this.#v.values()) tensor.dispose();
    this.#m.clear();
    this.#v.clear();
  }
}
