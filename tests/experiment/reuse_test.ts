import { assertEquals, assertNotEquals } from "@std/assert";
import { join } from "node:path";
import {
  parseExperimentConfig,
  resolveRuns,
  ResultStore,
  reusedCopy,
  runExperiment,
  type RunRecord,
  type RunResult,
  type Scale,
} from "../../lib/experiment/mod.ts";
import { buildExperimentReport, reportMarkdown } from "../../lib/report/mod.ts";
import { groupExperiment, trainExperiment } from "./_fixtures.ts";
import { expectedSum, fakeExecutor } from "./_fake_executor.ts";

const quantizers = parseExperimentConfig(trainExperiment(), "quantizers.json");
const groups = parseExperimentConfig(groupExperiment(), "groups.json");
const base = { codeVersion: "test-version", backend: "none", progressIntervalMs: 60_000 };

/** Runs the "quantizer-mini" experiment into a new temporary store and returns both. */
async function storeWithQuantizers(scale: Scale) {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  const summaries = await runExperiment(quantizers, scale, {
    ...base,
    store,
    executors: { train: fakeExecutor() },
  });
  return { root, store, summaries };
}

Deno.test("runExperiment reuses an identical stored run", async () => {
  const { root, store, summaries: first } = await storeWithQuantizers("smoke");
  const source = first[0].result!;

  const executed: string[] = [];
  const second = await runExperiment(groups, "smoke", {
    ...base,
    store,
    executors: { train: fakeExecutor({ executed }) },
  });
  assertEquals(second.map((s) => s.status), ["reused", "done"]);
  // Only "g4" executed: "g2" has the run id of "gq-2x8".
  assertEquals(executed.length, 10);
  assertEquals(executed.every((step) => step.startsWith("g4@0:")), true);

  const copy = second[0].result!;
  assertEquals(copy.runId, source.runId);
  assertEquals(copy.experiment, "groups-mini");
  assertEquals(copy.label, "g2");
  assertEquals(copy.metrics, source.metrics);
  assertEquals(copy.metrics.rfid, expectedSum("gq-2x8", 0, 10));
  assertEquals(copy.wallSeconds, source.wallSeconds);
  assertEquals(copy.reusedFrom, {
    experiment: "quantizer-mini",
    label: "gq-2x8",
    startedAt: source.startedAt,
    finishedAt: source.finishedAt,
  });
  const stored: RunResult = JSON.parse(
    await Deno.readTextFile(join(root, "groups-mini", `g2.${copy.runId}.json`)),
  );
  assertEquals(stored, copy);

  // A later call finds the copy as this run's own result.
  const third = await runExperiment(groups, "smoke", {
    ...base,
    store,
    executors: { train: fakeExecutor({ executed }) },
  });
  assertEquals(third.map((s) => s.status), ["skipped", "skipped"]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("reusedCopy names the executed run", async () => {
  const { root, summaries: [source] } = await storeWithQuantizers("smoke");
  const [g2] = resolveRuns(groups, "smoke");
  const copy = reusedCopy(source.result!, g2);
  const third = reusedCopy(copy, { ...g2, experiment: "other", label: "g2-again" });
  assertEquals(third.reusedFrom, copy.reusedFrom);
  assertEquals(third.reusedFrom?.experiment, "quantizer-mini");
  assertEquals(third.experiment, "other");
  assertEquals(third.label, "g2-again");
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperiment ignores a record with another config", async () => {
  const { root, store, summaries: [source] } = await storeWithQuantizers("smoke");
  // An edited record: same run id, different config.
  const path = store.resultPath(source.result!);
  const edited = { ...source.result!, config: { ...source.result!.config, batchSize: 99 } };
  await Deno.writeTextFile(path, JSON.stringify(edited));

  const executed: string[] = [];
  const summaries = await runExperiment(groups, "smoke", {
    ...base,
    store,
    executors: { train: fakeExecutor({ executed }) },
  });
  assertEquals(summaries.map((s) => s.status), ["done", "done"]);
  assertEquals(summaries[0].result?.reusedFrom, undefined);
  assertEquals(executed.length, 20);
  await Deno.remove(root, { recursive: true });
});

Deno.test("ResultStore findResults skips unreadable records", async () => {
  const { root, store, summaries: [source] } = await storeWithQuantizers("smoke");
  const id = source.runId;
  await Deno.mkdir(join(root, "broken"));
  await Deno.writeTextFile(join(root, "broken", `x.${id}.json`), "{ not json");
  await Deno.writeTextFile(join(root, "broken", `notes.json`), "{}");

  const found = await store.findResults(id);
  assertEquals(found.map((r) => `${r.experiment}/${r.label}`), ["quantizer-mini/gq-2x8"]);
  assertEquals(await store.findResults("0000000000000000"), []);
  assertEquals(await new ResultStore(join(root, "missing")).findResults(id), []);
  await Deno.remove(root, { recursive: true });
});

Deno.test("buildExperimentReport reads copied records", async () => {
  const { root, store } = await storeWithQuantizers("cpu");
  const summaries = await runExperiment(groups, "cpu", {
    ...base,
    store,
    executors: { train: fakeExecutor() },
  });
  assertEquals(summaries.map((s) => s.status), ["reused", "reused", "done", "done"]);

  const markdown = (records: RunRecord[]) =>
    reportMarkdown(buildExperimentReport(groups, "cpu", records), groups.description, "figures");
  const stored = await store.list("groups-mini");
  assertEquals(stored.length, 4);
  const withCopies = markdown(stored);
  const asExecuted = markdown(stored.map((r) => ({ ...r, reusedFrom: undefined })));
  const withoutCopies = markdown(stored.filter((r) => r.label !== "g2"));
  assertEquals(withCopies, asExecuted);
  assertNotEquals(withCopies, withoutCopies);
  assertEquals(withCopies.includes("not run"), false);
  assertEquals(withoutCopies.includes("not run"), true);
  await Deno.remove(root, { recursive: true });
});
