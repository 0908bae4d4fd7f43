import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import {
  compareMeasurements,
  parseExperimentConfig,
  reevaluateExperiment,
  ResultStore,
  type RunContext,
  type RunExecutor,
  runExperiment,
  type RunResult,
} from "../../lib/experiment/mod.ts";
import { groupExperiment, trainExperiment } from "./_fixtures.ts";
import { expectedSum, fakeExecutor } from "./_fake_executor.ts";

const quantizers = parseExperimentConfig(trainExperiment(), "quantizers.json");
const groups = parseExperimentConfig(groupExperiment(), "groups.json");
const base = { codeVersion: "test-version", backend: "none", progressIntervalMs: 60_000 };

/** Options of {@link fakeEvaluator}. */
interface EvaluatorOptions {
  /** Factor applied to the re-evaluated PSNR (default 1). */
  psnrFactor?: number;
  /** Re-evaluated decoding time in milliseconds (default 999). */
  decodeMs?: number;
  /** Contexts of every call, appended. */
  calls?: RunContext[];
}

/**
 * Returns an evaluate-only executor matching {@link fakeExecutor}. It requires
 * the fake checkpoint, recomputes the fake run's metrics from the run config
 * it receives and adds `ssimGaussian11`.
 */
function fakeEvaluator(options: EvaluatorOptions = {}): RunExecutor {
  return async (context) => {
    options.calls?.push(context);
    const { run } = context;
    if (run.config.task !== "train") throw new Error("the fake evaluator handles train runs only");
    await Deno.stat(join(context.checkpointDir, "state.json"));
    return {
      metrics: {
        rfid: expectedSum(run.label, run.seed, run.config.stages.stage1Steps),
        psnr: (20 + run.seed) * (options.psnrFactor ?? 1),
        resumedFrom: 0,
        decodeMs: options.decodeMs ?? 999,
        ssimGaussian11: 0.5 + run.seed / 10,
      },
      series: { steps: [run.config.stages.stage1Steps] },
    };
  };
}

/** Trains "quantizer-mini" at smoke scale with the fake executor into a new store. */
async function trainedStore(
  executor: RunExecutor = fakeExecutor(),
): Promise<{ root: string; store: ResultStore; results: RunResult[] }> {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  const summaries = await runExperiment(quantizers, "smoke", {
    ...base,
    store,
    executors: { train: executor },
  });
  return { root, store, results: summaries.map((s) => s.result!) };
}

/** Returns the fake executor with a decoding time added to its metrics. */
function timedExecutor(decodeMs: number): RunExecutor {
  const inner = fakeExecutor();
  return async (context) => {
    const output = await inner(context);
    return { ...output, metrics: { ...output.metrics, decodeMs } };
  };
}

const evaluation = { ...base, codeVersion: "eval-version", commit: "abc1234" };

Deno.test("reevaluateExperiment adds new metrics", async () => {
  const { root, store, results } = await trainedStore(timedExecutor(12));
  const summaries = await reevaluateExperiment("quantizer-mini", "smoke", {
    ...evaluation,
    store,
    executors: { train: fakeEvaluator() },
  });
  assertEquals(summaries.map((s) => s.status), ["updated", "updated"]);
  assertEquals(summaries[0].metricsAdded, ["ssimGaussian11"]);

  const before = results[0];
  const after = (await store.readResult(before))!;
  assertEquals(after.metrics, { ...before.metrics, ssimGaussian11: 0.5 });
  assertEquals(after.metrics.decodeMs, 12, "the stored timing is kept");
  assertEquals(after.runId, before.runId);
  assertEquals(after.codeVersion, "test-version");
  assertEquals(after.wallSeconds, before.wallSeconds);
  assertEquals(after.startedAt, before.startedAt);
  assertEquals(after.series, before.series);
  assertEquals(after.reevaluation?.codeVersion, "eval-version");
  assertEquals(after.reevaluation?.commit, "abc1234");
  assertEquals(after.reevaluation?.metricsAdded, ["ssimGaussian11"]);
  assert(after.reevaluation!.wallSeconds >= 0, `wallSeconds ${after.reevaluation!.wallSeconds}`);
  await Deno.remove(root, { recursive: true });
});

Deno.test("reevaluateExperiment uses the record's config", async () => {
  const { root, store, results } = await trainedStore();
  // The evaluator must receive the stored config, whatever the experiment file contains now.
  const calls: RunContext[] = [];
  await reevaluateExperiment("quantizer-mini", "smoke", {
    ...evaluation,
    store,
    executors: { train: fakeEvaluator({ calls }) },
  });
  assertEquals(calls.length, 2);
  assertEquals(calls[0].run.config, results[0].config);
  assertEquals(calls[0].runId, results[0].runId);
  assertEquals(calls[0].checkpointDir, store.checkpointDir(results[0]));
  await Deno.remove(root, { recursive: true });
});

Deno.test("reevaluateExperiment rejects a changed metric", async () => {
  const { root, store, results } = await trainedStore();
  const path = store.resultPath(results[0]);
  const text = await Deno.readTextFile(path);
  const summaries = await reevaluateExperiment("quantizer-mini", "smoke", {
    ...evaluation,
    store,
    executors: { train: fakeEvaluator({ psnrFactor: 1 + 1e-5 }) },
  });
  assertEquals(summaries.map((s) => s.status), ["mismatch", "mismatch"]);
  assertEquals(summaries[0].mismatches, [{
    metric: "psnr",
    stored: 20,
    reevaluated: 20 * (1 + 1e-5),
  }]);
  assertEquals(await Deno.readTextFile(path), text, "a mismatched record was rewritten");
  await Deno.remove(root, { recursive: true });
});

Deno.test("reevaluateExperiment accepts differences below 1e-6", async () => {
  const { root, store, results } = await trainedStore();
  const summaries = await reevaluateExperiment("quantizer-mini", "smoke", {
    ...evaluation,
    store,
    executors: { train: fakeEvaluator({ psnrFactor: 1 + 1e-7 }) },
  });
  assertEquals(summaries.map((s) => s.status), ["updated", "updated"]);
  const after = (await store.readResult(results[0]))!;
  assertEquals(after.metrics.psnr, 20, "the stored value is kept");
  await Deno.remove(root, { recursive: true });
});

Deno.test("reevaluateExperiment skips missing checkpoints", async () => {
  const { root, store, results } = await trainedStore();
  const missing = store.checkpointDir(results[1]);
  await Deno.remove(missing, { recursive: true });
  const summaries = await reevaluateExperiment("quantizer-mini", "smoke", {
    ...evaluation,
    store,
    executors: { train: fakeEvaluator() },
  });
  assertEquals(summaries.map((s) => s.status), ["updated", "skipped"]);
  assertStringIncludes(summaries[1].reason!, missing);
  assertEquals((await store.readResult(results[1]))!.reevaluation, undefined);
  await Deno.remove(root, { recursive: true });
});

Deno.test("reevaluateExperiment skips tasks without executor", async () => {
  const { root, store } = await trainedStore();
  const summaries = await reevaluateExperiment("quantizer-mini", "smoke", {
    ...evaluation,
    store,
    executors: {},
  });
  assertEquals(summaries.map((s) => s.status), ["skipped", "skipped"]);
  assertEquals(summaries[0].reason, `task "train" needs no re-evaluation`);
  await Deno.remove(root, { recursive: true });
});

Deno.test("reevaluateExperiment reports executor failures", async () => {
  const { root, store } = await trainedStore();
  const failing: RunExecutor = () => Promise.reject(new Error("checkpoint is not final"));
  const summaries = await reevaluateExperiment("quantizer-mini", "smoke", {
    ...evaluation,
    store,
    executors: { train: failing },
  });
  assertEquals(summaries.map((s) => s.status), ["failed", "failed"]);
  assertStringIncludes(summaries[0].reason!, "checkpoint is not final");
  await Deno.remove(root, { recursive: true });
});

Deno.test("reevaluateExperiment leaves re-evaluated records unchanged", async () => {
  const { root, store, results } = await trainedStore();
  const options = { ...evaluation, store, executors: { train: fakeEvaluator() } };
  await reevaluateExperiment("quantizer-mini", "smoke", options);
  const text = await Deno.readTextFile(store.resultPath(results[0]));
  const again = await reevaluateExperiment("quantizer-mini", "smoke", {
    ...options,
    codeVersion: "later-version",
  });
  assertEquals(again.map((s) => s.status), ["unchanged", "unchanged"]);
  assertEquals(await Deno.readTextFile(store.resultPath(results[0])), text);
  await Deno.remove(root, { recursive: true });
});

Deno.test("reevaluateExperiment evaluates copies from their source", async () => {
  const { root, store } = await trainedStore();
  const copied = await runExperiment(groups, "smoke", {
    ...base,
    store,
    executors: { train: fakeExecutor() },
  });
  assertEquals(copied[0].status, "reused");
  const calls: RunContext[] = [];
  const summaries = await reevaluateExperiment("groups-mini", "smoke", {
    ...evaluation,
    store,
    executors: { train: fakeEvaluator({ calls }) },
  });
  assertEquals(summaries.map((s) => s.status), ["updated", "updated"]);
  const source = { experiment: "quantizer-mini", label: "gq-2x8", runId: copied[0].runId };
  assertEquals(calls[0].checkpointDir, store.checkpointDir(source));
  const copy = (await store.readResult(copied[0].result!))!;
  assertEquals(copy.metrics.ssimGaussian11, 0.5);
  assertEquals(copy.reusedFrom?.label, "gq-2x8");
  await Deno.remove(root, { recursive: true });
});

Deno.test("compareMeasurements flags missing values", () => {
  const stored = { metrics: { psnr: 20, decodeMs: 5 }, series: { psnrPerRound: [20, 19] } };
  const mismatches = compareMeasurements(
    stored,
    { metrics: { decodeMs: 50 }, series: { psnrPerRound: [20] } },
    1e-6,
  );
  assertEquals(mismatches, [
    { metric: "psnr", stored: 20, reevaluated: null },
    { metric: "series.psnrPerRound[1]", stored: 19, reevaluated: null },
  ]);
});

Deno.test("compareMeasurements compares series elements", () => {
  const stored = { metrics: {}, series: { psnrPerRound: [20, 19] } };
  const mismatches = compareMeasurements(
    stored,
    { metrics: {}, series: { psnrPerRound: [20, 19.5] } },
    1e-6,
  );
  assertEquals(mismatches, [{ metric: "series.psnrPerRound[1]", stored: 19, reevaluated: 19.5 }]);
});
