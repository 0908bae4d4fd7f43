/**
 * Errors and checks of experiment configs. Every message names the config
 * file, the field path (such as `runs[2].quantizer.groups`), the value and the fix.
 */

/** An invalid experiment config, with the field path that failed. */
export class ConfigError extends Error {
  /** Field path, such as `scales.cpu.seeds[1]`. */
  readonly field: string;

  constructor(source: string, field: string, message: string) {
    super(`${source}: ${field}: ${message}`);
    this.name = "ConfigError";
    this.field = field;
  }
}

/** Field checks that throw {@link ConfigError} for one config source. */
export class FieldChecker {
  constructor(readonly source: string) {}

  /** Throws a {@link ConfigError} for `field`. */
  fail(field: string, message: string): never {
    throw new ConfigError(this.source, field, message);
  }

  /** Requires a plain object and returns it. */
  object(value: unknown, field: string): Record<string, unknown> {
    if (!isRecord(value)) this.fail(field, `expected an object, got ${describe(value)}`);
    return value;
  }

  /** Requires true or false. */
  boolean(value: unknown, field: string): boolean {
    if (typeof value !== "boolean") {
      this.fail(field, `expected true or false, got ${describe(value)}`);
    }
    return value;
  }

  /** Requires a non-empty string. */
  string(value: unknown, field: string): string {
    if (typeof value !== "string" || value.trim() === "") {
      this.fail(field, `expected a non-empty string, got ${describe(value)}`);
    }
    return value;
  }

  /** Requires an integer in `[min, max]`. */
  integer(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      this.fail(field, `invalid value ${describe(value)}: expected an integer ${range}`);
    }
    return value;
  }

  /** Requires a finite number greater than 0. */
  positive(value: unknown, field: string): number {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      this.fail(field, `invalid value ${describe(value)}: expected a finite number > 0`);
    }
    return value;
  }

  /** Requires one of `options`. */
  oneOf<T extends string>(value: unknown, field: string, options: readonly T[]): T {
    if (typeof value !== "string" || !(options as readonly string[]).includes(value)) {
      this.fail(field, `invalid value ${describe(value)}: expected one of ${options.join(", ")}`);
    }
    return value as T;
  }

  /** Requires a non-empty array. */
  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.fail(field, `expected a non-empty array, got ${describe(value)}`);
    }
    return value;
  }

  /** Rejects keys of `value` outside `allowed`, which catches misspelt fields. */
  keys(value: Record<string, unknown>, field: string, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        const where = field === "" ? key : `${field}.${key}`;
        this.fail(where, `unknown field; expected one of ${allowed.join(", ")}`);
      }
    }
  }
}

/** Returns true for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Describes a value for an error message: JSON where possible, else its type. */
export function describe(value: unknown): string {
  if (value === undefined) return "undefined (missing)";
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return typeof value;
  }
}
