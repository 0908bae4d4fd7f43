/**
 * Named parameter storage for the tokenizer networks.
 *
 * Names follow the state dict of the official PyTorch code of WeTok
 * (arXiv 2508.05599), for example `encoder.down.0.block.1.conv1.weight` or
 * `decoder.adaptive.2.gamma.weight`, so released weights map one to one. Values
 * are kept in TensorFlow.js layout (conv kernels HWIO, linear weights
 * `[in, out]`). `torch_layout.ts` is the one place that converts from and to
 * PyTorch's layout.
 */
import { tf } from "../engine/mod.ts";

/** One stored tensor: its state-dict name, its variable, and whether training updates it. */
export interface ParameterEntry {
  name: string;
  variable: tf.Variable;
  /** False for buffers such as batch-norm running statistics. */
  trainable: boolean;
}

/**
 * Ordered map from state-dict names to `tf.Variable`s.
 *
 * The TensorFlow.js variables get engine-generated names, so several stores
 * with the same state-dict names (an encoder and its EMA copy) can coexist.
 */
export class ParameterStore {
  #entries = new Map<string, ParameterEntry>();

  /**
   * Adds a variable holding a copy of `initial` under `name`. The store owns
   * the variable, and the caller still owns (and disposes) `initial`.
   *
   * @param trainable false for buffers that the optimizer must not update (default true).
   * @throws Error when `name` is already taken.
   */
  add(name: string, initial: tf.Tensor, trainable = true): tf.Variable {
    if (this.#entries.has(name)) {
      throw new Error(
        `parameter "${name}" is already registered. Every layer needs its own prefix`,
      );
    }
    const variable = tf.variable(initial, trainable);
    this.#entries.set(name, { name, variable, trainable });
    return variable;
  }

  /** Returns true when `name` is stored. */
  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /**
   * Returns the variable stored under `name`.
   *
   * @throws Error naming the missing parameter.
   */
  get(name: string): tf.Variable {
    const entry = this.#entries.get(name);
    if (entry === undefined) {
      throw new Error(
        `parameter "${name}" not found (the store has ${this.#entries.size} entries)`,
      );
    }
    return entry.variable;
  }

  /** Returns the state-dict names in registration order. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** Returns all entries in registration order. */
  entries(): ParameterEntry[] {
    return [...this.#entries.values()];
  }

  /** Returns the trainable variables, optionally only those whose name starts with `prefix`. */
  trainableVariables(prefix = ""): tf.Variable[] {
    return this.entries()
      .filter((entry) => entry.trainable && entry.name.startsWith(prefix))
      .map((entry) => entry.variable);
  }

  /** Returns the number of scalars in trainable entries whose name starts with `prefix`. */
  countParameters(prefix = ""): number {
    let total = 0;
    for (const entry of this.#entries.values()) {
      if (entry.trainable && entry.name.startsWith(prefix)) total += entry.variable.size;
    }
    return total;
  }

  /**
   * Replaces the value stored under `name`, after checking the shape.
   *
   * @throws Error naming the parameter and both shapes when they differ.
   */
  assign(name: string, value: tf.Tensor): void {
    const variable = this.get(name);
    if (!shapesEqual(variable.shape, value.shape)) {
      throw new Error(
        `parameter "${name}" has shape [${variable.shape}] but the new value has shape ` +
          `[${value.shape}]. Check that the weights belong to the same configuration`,
      );
    }
    variable.assign(value);
  }

  /** Disposes every variable and empties the store. */
  dispose(): void {
    for (const entry of this.#entries.values()) entry.variable.dispose();
    this.#entries.clear();
  }
}

/** Returns true when two shapes have the same rank and sizes. */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}
