/** Checks that a resumed run of the tiny trainer repeats the losses of an uninterrupted one. */
import { assertEquals } from "@std/assert";
import type { TrainConfig } from "../../lib/train/config.ts";
import { type MetricsRecord, readMetrics } from "../../lib/train/metrics_log.ts";
import { Trainer } from "../../lib/train/trainer.ts";
import { tinyComponents } from "./_tiny.ts";

/** Loss terms of the tiny run that a resumed run must reproduce bit for bit. */
export const LOSS_KEYS = [
  "reconstruction",
  "quantizer.commitment",
  "generatorAdversarial",
  "discriminator.hinge",
  "discriminator.lecam",
  "total",
];

/** Asserts that every loss term in `LOSS_KEYS` of `got` equals `expected` at each step of `expected`. */
export function assertSameLosses(got: MetricsRecord[], expected: MetricsRecord[]): void {
  for (let i = 0; i < expected.length; i++) {
    for (const key of LOSS_KEYS) {
      assertEquals(got[i][key], expected[i][key], `step ${i + 1} ${key}`);
    }
  }
}

/** Metrics logs of one config trained without a stop and in parts. */
export interface WholeAndParts {
  whole: MetricsRecord[];
  parts: MetricsRecord[];
}

/**
 * Trains `config` with the tiny components twice, each time in a new
 * temporary folder: once to the end, and once stopping after each update
 * count in `stops`, resuming from the newest checkpoint with freshly built
 * components. Removes both folders afterwards.
 *
 * @param prefix start of the temporary folder names, such as "train".
 * @returns the metrics logs of both runs.
 */
export async function trainWholeAndInParts(
  config: TrainConfig,
  stops: number[],
  prefix: string,
): Promise<WholeAndParts> {
  const wholeDir = await Deno.makeTempDir({ prefix: `${prefix}_whole_` });
  const whole = await Trainer.create(config, tinyComponents(config.seed), { runDir: wholeDir });
  await whole.run();
  whole.dispose();

  const partsDir = await Deno.makeTempDir({ prefix: `${prefix}_parts_` });
  for (const stop of stops) {
    const trainer = await Trainer.create(config, tinyComponents(config.seed), {
      runDir: partsDir,
    });
    await trainer.run(stop);
    trainer.dispose();
  }

  const result = {
    whole: await readMetrics(`${wholeDir}/metrics.jsonl`),
    parts: await readMetrics(`${partsDir}/metrics.jsonl`),
  };
  await Deno.remove(wholeDir, { recursive: true });
  await Deno.remove(partsDir, { recursive: true });
  return result;
}
