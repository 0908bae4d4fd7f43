import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import {
  parseExperimentConfig,
  ResultStore,
  runExperiment,
  runId,
  type RunResult,
  unavailableExecutor,
} from "../../lib/experiment/mod.ts";
import { trainExperiment } from "./_fixtures.ts";
import { expectedSum, fakeExecutor } from "./_fake_executor.ts";

const config = parseExperimentConfig(trainExperiment(), "test.json");
const base = { codeVersion: "test-version", backend: "none", progressIntervalMs: 60_000 };

async function listFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("runExperiment records provenance of each run", async () => {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  const summaries = await runExperiment(config, "cpu", {
    ...base,
    store,
    executors: { train: fakeExecutor() },
  });
  assertEquals(summaries.map((s) => s.status), ["done", "done", "done", "done"]);

  const result = summaries[1].result!;
  const id = await runId(summaries[1].run.config, "test-version");
  assertEquals(result.runId, id);
  assertEquals(result.label, "gq-2x8");
  assertEquals(result.seed, 1);
  assertEquals(result.config.seed, 1);
  assertEquals(result.codeVersion, "test-version");
  assertEquals(result.backend, "none");
  assertEquals(result.scale, "cpu");
  assertEquals(result.machine.os, Deno.build.os);
  assert(result.wallSeconds >= 0, `wallSeconds ${result.wallSeconds}`);
  assertEquals(result.metrics.rfid, expectedSum("gq-2x8", 1, 100));

  const stored: RunResult = JSON.parse(
    await Deno.readTextFile(`${root}/quantizer-mini/gq-2x8.${id}.json`),
  );
  assertEquals(stored, result);
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperiment skips finished runs", async () => {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  await runExperiment(config, "smoke", { ...base, store, executors: { train: fakeExecutor() } });
  const executed: string[] = [];
  const again = await runExperiment(config, "smoke", {
    ...base,
    store,
    executors: { train: fakeExecutor({ executed }) },
  });
  assertEquals(again.map((s) => s.status), ["skipped", "skipped"]);
  assertEquals(executed, []);
  assertEquals(again[0].result?.metrics.rfid, expectedSum("gq-2x8", 0, 10));

  // A new code version is a new identity, so the runs execute again.
  const next = await runExperiment(config, "smoke", {
    ...base,
    codeVersion: "next-version",
    store,
    executors: { train: fakeExecutor({ executed }) },
  });
  assertEquals(next.map((s) => s.status), ["done", "done"]);
  assertEquals(executed.length, 20);
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperiment resumes after a crash", async () => {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  const first = await runExperiment(config, "smoke", {
    ...base,
    store,
    executors: { train: fakeExecutor({ throwAt: { label: "gq-2x8", step: 8 } }) },
  });
  assertEquals(first.map((s) => s.status), ["failed", "done"]);
  assertEquals(first[0].failure?.error, "simulated crash at step 8");
  assertEquals(first[0].failure?.unavailable, false);
  const key = { experiment: "quantizer-mini", label: "gq-2x8", runId: first[0].runId };
  assertEquals((await store.readFailure(key))?.error, "simulated crash at step 8");

  const executed: string[] = [];
  const second = await runExperiment(config, "smoke", {
    ...base,
    store,
    executors: { train: fakeExecutor({ executed }) },
  });
  assertEquals(second.map((s) => s.status), ["done", "skipped"]);
  // The checkpoint at step 6 is the last one before the crash at step 8.
  assertEquals(executed, ["gq-2x8@0:7", "gq-2x8@0:8", "gq-2x8@0:9", "gq-2x8@0:10"]);
  assertEquals(second[0].result?.metrics.resumedFrom, 6);
  assertEquals(second[0].result?.metrics.rfid, expectedSum("gq-2x8", 0, 10));
  assertEquals(await store.readFailure(key), null);
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperiment resumes after a killed process", async () => {
  const root = await Deno.makeTempDir();
  const script = new URL("./_interrupted_run.ts", import.meta.url).pathname;
  const killed = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, root],
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(killed.code, 3, new TextDecoder().decode(killed.stderr));
  const dir = `${root}/quantizer-mini`;
  assertEquals((await listFiles(dir)).filter((n) => n.endsWith(".json")), []);

  const executed: string[] = [];
  const store = new ResultStore(root);
  const summaries = await runExperiment(config, "smoke", {
    ...base,
    store,
    executors: { train: fakeExecutor({ executed }) },
  });
  assertEquals(summaries.map((s) => s.status), ["done", "done"]);
  assertEquals(executed.slice(0, 4), ["gq-2x8@0:7", "gq-2x8@0:8", "gq-2x8@0:9", "gq-2x8@0:10"]);
  assertEquals(summaries[0].result?.metrics.rfid, expectedSum("gq-2x8", 0, 10));
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperiment records unavailable executors", async () => {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  const summaries = await runExperiment(config, "smoke", {
    ...base,
    store,
    executors: { train: unavailableExecutor("train", "the trainer is not wired yet") },
  });
  assertEquals(summaries.map((s) => s.status), ["unavailable", "unavailable"]);
  assertEquals(summaries[0].failure?.unavailable, true);
  assertStringIncludes(summaries[0].failure!.error, "not available yet");
  assertEquals(summaries.every((s) => s.result === undefined), true);

  const none = await runExperiment(config, "smoke", { ...base, store, executors: {} });
  assertStringIncludes(none[0].failure!.error, `no executor registered for task "train"`);
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperiment filters labels", async () => {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  const only = await runExperiment(config, "smoke", {
    ...base,
    store,
    labels: ["lfq-1x16"],
    executors: { train: fakeExecutor() },
  });
  assertEquals(only.map((s) => s.run.label), ["lfq-1x16"]);
  await assertRejects(
    () => runExperiment(config, "smoke", { ...base, store, labels: ["vq"], executors: {} }),
    Error,
    `experiment quantizer-mini has no run "vq" at scale smoke`,
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperiment rejects NaN metrics", async () => {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  const summaries = await runExperiment(config, "smoke", {
    ...base,
    store,
    executors: { train: () => Promise.resolve({ metrics: { rfid: NaN } }) },
  });
  assertEquals(summaries[0].status, "failed");
  assertStringIncludes(summaries[0].failure!.error, "metric rfid = NaN");
  await Deno.remove(root, { recursive: true });
});
