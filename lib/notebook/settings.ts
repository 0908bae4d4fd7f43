/**
 * Run settings of a notebook, parsed from values that the notebook's first
 * cell reads from the environment (library modules read no environment).
 */

/**
 * Size of a notebook run:
 * - `smoke`: the smallest sizes that still run every code path, for checks
 *   rather than results; what `deno task notebooks` and the test suite use;
 * - `full`: the sizes the notebook's opening cell describes, for reading the results.
 */
export type NotebookScale = "smoke" | "full";

/** Names of the notebook scales. */
export const NOTEBOOK_SCALES: readonly NotebookScale[] = ["smoke", "full"];

/** Settings of one notebook run. */
export interface NotebookSettings {
  scale: NotebookScale;
  /** True when no person watches the run (headless execution): skip outputs only a browser uses. */
  headless: boolean;
  /** Returns the value for the current scale, such as `pick({ smoke: 20, full: 2000 })` training steps. */
  pick<T>(values: Record<NotebookScale, T>): T;
}

/** Raw setting values, normally `WETOK_NOTEBOOK_SCALE` and `WETOK_NOTEBOOK_HEADLESS`. */
export interface NotebookSettingValues {
  /** "smoke" or "full"; unset or empty gives "full" (a person opened the notebook). */
  scale?: string;
  /** "1" or "true" for headless execution; unset, empty, "0" or "false" for interactive use. */
  headless?: string;
}

/**
 * Parses notebook settings.
 * @throws Error naming the invalid value and the accepted ones.
 */
export function notebookSettings(values: NotebookSettingValues): NotebookSettings {
  const rawScale = (values.scale ?? "").trim().toLowerCase();
  const scale = rawScale === "" ? "full" : rawScale;
  if (!(NOTEBOOK_SCALES as readonly string[]).includes(scale)) {
    throw new Error(
      `invalid notebook scale "${values.scale}": expected one of ${NOTEBOOK_SCALES.join(", ")} ` +
        `(set WETOK_NOTEBOOK_SCALE)`,
    );
  }
  const rawHeadless = (values.headless ?? "").trim().toLowerCase();
  if (!["", "0", "1", "false", "true"].includes(rawHeadless)) {
    throw new Error(
      `invalid headless flag "${values.headless}": expected 1, true, 0 or false ` +
        `(set WETOK_NOTEBOOK_HEADLESS)`,
    );
  }
  const chosen = scale as NotebookScale;
  return {
    scale: chosen,
    headless: rawHeadless === "1" || rawHeadless === "true",
    pick: <T>(options: Record<NotebookScale, T>): T => options[chosen],
  };
}
