/**
 * Run identity: the SHA-256 of the canonical JSON of the resolved run config
 * together with the code version, so a result is reused only for the same
 * settings computed by the same code.
 */

/** Hex characters of the SHA-256 kept in a run id (64 bits). */
export const RUN_ID_LENGTH = 16;

/**
 * Serialises a JSON value with object keys sorted at every level, so equal
 * configs give equal text whatever their key order.
 * @throws Error for values JSON cannot represent exactly (non-finite numbers, functions, undefined in arrays).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new Error(`canonicalJson: non-finite number ${value} has no JSON form`);
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${
      value.map((item) => {
        if (item === undefined) {
          throw new Error("canonicalJson: undefined array element has no JSON form");
        }
        return canonicalJson(item);
      }).join(",")
    }]`;
  }
  if (typeof value === "object") {
    // UTF-16 code-unit order, which equals Python's code-point order for keys in the BMP.
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareKeys(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new Error(`canonicalJson: a ${typeof value} has no JSON form`);
}

function compareKeys(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/** Returns the lower-case hex SHA-256 of a UTF-8 string. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Computes the id of a run: the first {@link RUN_ID_LENGTH} hex characters of
 * `sha256(canonicalJson({ codeVersion, config }))`.
 *
 * The hash covers what decides the trained network and its measurements: the
 * resolved run config (seed included) and the code. It leaves out the
 * experiment name, the run label and the scale, which only name the record
 * or select its config. So identical runs of two experiments share one id,
 * and the runner copies the result of the first to the others instead of
 * executing them again.
 * @param config The resolved run config (seed included).
 * @param codeVersion Content identity of the code (see `CodeVersion.identity`).
 */
export async function runId(config: unknown, codeVersion: string): Promise<string> {
  if (codeVersion.trim() === "") {
    throw new Error("runId: empty code version; pass the code identity from codeVersion()");
  }
  const hash = await sha256Hex(canonicalJson({ codeVersion, config }));
  return hash.slice(0, RUN_ID_LENGTH);
}
