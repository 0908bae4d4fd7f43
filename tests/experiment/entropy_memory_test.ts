import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { initBackend, tf } from "../../lib/engine/mod.ts";
import { exactEntropyWorkingBytes } from "../../lib/entropy/mod.ts";
import { type EntropyMemoryRunConfig, type RunContext } from "../../lib/experiment/mod.ts";
import {
  denseEntropyBytes,
  runEntropyMemory,
} from "../../lib/experiment/executors/entropy_memory.ts";
import { Progress } from "../../lib/io/progress.ts";

await initBackend("cpu", { announce: false });

function context(config: EntropyMemoryRunConfig): RunContext {
  return {
    run: { experiment: "memory", label: "test", scale: "smoke", seed: config.seed, config },
    runId: "0000000000000000",
    checkpointDir: "/nonexistent",
    backend: "cpu",
    progress: (total) => new Progress({ label: "test", total, intervalMs: 60_000 }),
  };
}

const exact8: EntropyMemoryRunConfig = {
  task: "entropy-memory",
  method: "exact",
  bits: 8,
  groups: 1,
  tokens: 64,
  maxBytes: 2 ** 26,
  repeats: 2,
  seed: 1,
};

Deno.test("runEntropyMemory measures exact entropy", async () => {
  const before = tf.memory().numTensors;
  const output = await runEntropyMemory(context(exact8));
  assertEquals(tf.memory().numTensors, before);
  assertEquals(output.metrics.outOfMemory, 0);
  assertEquals(output.metrics.estimatedBytes, exactEntropyWorkingBytes(64, 8, 1));
  assertEquals(output.metrics.denseBytes, 2 * 4 * 64 * 256);
  // The probability tables alone are [64, 16] twice, float32.
  assert(output.metrics.peakBytes >= 2 * 64 * 16 * 4, `peakBytes ${output.metrics.peakBytes}`);
  const entropy = output.metrics.codebookEntropyNats;
  assert(entropy > 0, `entropy ${entropy}`);
  assert(entropy <= 8 * Math.LN2 + 1e-5, `entropy ${entropy}`);
  assert(output.metrics.medianMs > 0, `medianMs ${output.metrics.medianMs}`);
});

Deno.test("runEntropyMemory ignores tensors alive before", async () => {
  const alone = await runEntropyMemory(context(exact8));
  // 4 MiB of unrelated tensors, as left alive by earlier runs in the same process.
  const earlier = tf.zeros([1024, 1024]);
  const after = await runEntropyMemory(context(exact8));
  earlier.dispose();
  assertEquals(after.metrics.peakBytes, alone.metrics.peakBytes);
});

Deno.test("runEntropyMemory agrees across estimators at g=1", async () => {
  const exact = await runEntropyMemory(context(exact8));
  const sum = await runEntropyMemory(context({ ...exact8, method: "group-sum" }));
  assertAlmostEquals(sum.metrics.codebookEntropyNats, exact.metrics.codebookEntropyNats, 1e-4);
});

Deno.test("runEntropyMemory skips runs above the budget", async () => {
  const output = await runEntropyMemory(
    context({ ...exact8, bits: 24, tokens: 4096, maxBytes: 2 ** 20 }),
  );
  assertEquals(output.metrics.outOfMemory, 1);
  assertEquals(output.metrics.peakBytes, undefined);
  assertEquals(output.metrics.denseBytes, 2 * 4 * 4096 * 2 ** 24);
});

Deno.test("denseEntropyBytes grows with group width", () => {
  const base = { method: "group-sum" as const, tokens: 1000 };
  assertEquals(denseEntropyBytes({ ...base, bits: 16, groups: 2 }), 2 * 4 * 1000 * 2 * 256);
  assertEquals(
    denseEntropyBytes({ ...base, method: "bitwise", bits: 16, groups: 16 }),
    2 * 4 * 1000 * 16,
  );
  assertEquals(
    denseEntropyBytes({ ...base, method: "exact", bits: 24, groups: 1 }),
    2 * 4 * 1000 * 2 ** 24,
  );
});
