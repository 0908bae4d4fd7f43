/**
 * Tests of the train executor's evaluate-only mode and of its two SSIM
 * metrics, on a tiny network and the synthetic corpus.
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertRejects,
} from "@std/assert";
import { join } from "node:path";
import { initBackend } from "../../lib/engine/mod.ts";
import type { RunContext, TrainRunConfig } from "../../lib/experiment/mod.ts";
import {
  trainExecutor,
  UnfinishedCheckpointError,
} from "../../lib/experiment/executors/train_run.ts";
import { Progress } from "../../lib/io/progress.ts";
import { fakeCorpus } from "./_fake_corpus.ts";

await initBackend("wasm", { announce: false });

const run: TrainRunConfig = {
  task: "train",
  quantizer: { kind: "gq", bits: 8, groups: 2, entropyMethod: "group-sum" },
  architecture: { ch: 32, chMult: [1, 2], numResBlocks: 1 },
  schedule: { kind: "constant", learningRate: 0.001 },
  stages: { stage1Steps: 2, stage2Steps: 1 },
  data: { set: "ci", cropSize: 24, evalImages: 2 },
  batchSize: 2,
  seed: 7,
  eval: { metrics: ["psnr", "ssim"], decodeTiming: true, encodeDecodeRounds: 2 },
};

function context(checkpointDir: string): RunContext {
  return {
    run: { experiment: "test", label: "gq", scale: "smoke", seed: run.seed, config: run },
    runId: "0000000000000000",
    checkpointDir,
    backend: "wasm",
    progress: (total) => new Progress({ label: "test", total, intervalMs: 60_000 }),
  };
}

Deno.test("trainExecutor measures both SSIM windows", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const cacheDir = await fakeCorpus();
  const trained = await trainExecutor({ cacheDir, evalBatch: 2 })(
    context(join(cacheDir, "checkpoints")),
  );
  const { ssim, ssimGaussian11 } = trained.metrics;
  assert(ssimGaussian11 > -1, `ssimGaussian11 ${ssimGaussian11}`);
  assert(ssimGaussian11 <= 1, `ssimGaussian11 ${ssimGaussian11}`);
  // The two windows weight pixels differently, so their means differ on real reconstructions.
  assertNotEquals(ssimGaussian11, ssim);

  // Evaluating the final checkpoint alone reproduces every metric but the timing.
  const evaluated = await trainExecutor({ cacheDir, evalBatch: 2, evaluateOnly: true })(
    context(join(cacheDir, "checkpoints")),
  );
  const { decodeMs: _trainedMs, ...expected } = trained.metrics;
  const { decodeMs: _evaluatedMs, ...actual } = evaluated.metrics;
  assertEquals(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [key, value] of Object.entries(expected)) {
    assertAlmostEquals(actual[key], value, 1e-9, `metric ${key}`);
  }
  assertEquals(evaluated.series, trained.series);
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("trainExecutor evaluateOnly rejects unfinished runs", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const cacheDir = await fakeCorpus();
  const checkpointDir = join(cacheDir, "empty-checkpoints");
  const error = await assertRejects(
    () => trainExecutor({ cacheDir, evaluateOnly: true })(context(checkpointDir)),
    UnfinishedCheckpointError,
  );
  assertEquals(error.step, 0);
  assertEquals(error.totalSteps, 3);
  await Deno.remove(cacheDir, { recursive: true });
});
