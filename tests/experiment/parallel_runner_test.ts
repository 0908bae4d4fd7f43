import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import {
  childProcessLauncher,
  parseExperimentConfig,
  ResultStore,
  runExperiment,
  runExperimentsInParallel,
  type RunRecord,
  type RunSummary,
  unavailableExecutor,
} from "../../lib/experiment/mod.ts";
import { groupExperiment, trainExperiment } from "./_fixtures.ts";
import { expectedSum, fakeExecutor, type FakeOptions } from "./_fake_executor.ts";
import { inProcessLauncher } from "./_in_process_launcher.ts";

const quantizers = parseExperimentConfig(trainExperiment(), "quantizers.json");
const groups = parseExperimentConfig(groupExperiment(), "groups.json");
const base = { codeVersion: "test-version", backend: "none", progressIntervalMs: 60_000 };
const childScript = new URL("./_run_job_child.ts", import.meta.url).pathname;

/** Returns a launcher of real child processes that run the fake executor with `options`. */
function fakeChildLauncher(options: FakeOptions = {}, output: (line: string) => void = () => {}) {
  return childProcessLauncher({
    script: childScript,
    scriptArgs: [JSON.stringify(options)],
    output,
    killGraceSeconds: 5,
  });
}

/** Lists the record files of every experiment folder as `experiment/file`, sorted. */
async function recordFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for await (const dir of Deno.readDir(root)) {
    if (!dir.isDirectory) continue;
    for await (const entry of Deno.readDir(join(root, dir.name))) {
      if (entry.isFile && entry.name.endsWith(".json")) files.push(`${dir.name}/${entry.name}`);
    }
  }
  return files.sort();
}

/** Keeps the fields of a record that do not depend on when or how it was made. */
function comparable(record: RunRecord) {
  return {
    experiment: record.experiment,
    label: record.label,
    runId: record.runId,
    status: record.status,
    metrics: record.status === "done" ? record.metrics : undefined,
    reusedFrom: record.status === "done" && record.reusedFrom
      ? `${record.reusedFrom.experiment}/${record.reusedFrom.label}`
      : undefined,
  };
}

function statuses(summaries: RunSummary[] | undefined): string[] {
  return (summaries ?? []).map((s) => `${s.run.label}@${s.run.seed}:${s.status}`);
}

Deno.test("runExperimentsInParallel executes each run once", async () => {
  const root = await Deno.makeTempDir();
  const executed: string[] = [];
  const launcher = inProcessLauncher({ train: fakeExecutor({ executed }) });
  const summaries = await runExperimentsInParallel([quantizers, groups], "cpu", {
    ...base,
    store: new ResultStore(root),
    jobs: 2,
    launch: launcher.launch,
  });

  assertEquals(launcher.launched.sort(), [
    "groups-mini/g4@0",
    "groups-mini/g4@1",
    "quantizer-mini/gq-2x8@0",
    "quantizer-mini/gq-2x8@1",
    "quantizer-mini/lfq-1x16@0",
    "quantizer-mini/lfq-1x16@1",
  ]);
  assertEquals(launcher.maxRunning, 2);
  // 100 steps per run at scale cpu, each step of each run exactly once.
  assertEquals(executed.length, 600);
  assertEquals(new Set(executed).size, 600);
  assertEquals(statuses(summaries.get("quantizer-mini")), [
    "gq-2x8@0:done",
    "gq-2x8@1:done",
    "lfq-1x16@0:done",
    "lfq-1x16@1:done",
  ]);
  assertEquals(statuses(summaries.get("groups-mini")), [
    "g2@0:reused",
    "g2@1:reused",
    "g4@0:done",
    "g4@1:done",
  ]);
  const copy = summaries.get("groups-mini")![1].result!;
  assertEquals(copy.metrics.rfid, expectedSum("gq-2x8", 1, 100));
  assertEquals(copy.reusedFrom?.experiment, "quantizer-mini");
  assertEquals(copy.reusedFrom?.label, "gq-2x8");
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperimentsInParallel matches sequential records", async () => {
  const sequentialRoot = await Deno.makeTempDir();
  const sequentialStore = new ResultStore(sequentialRoot);
  for (const config of [quantizers, groups]) {
    await runExperiment(config, "cpu", {
      ...base,
      store: sequentialStore,
      executors: { train: fakeExecutor() },
    });
  }
  const parallelRoot = await Deno.makeTempDir();
  await runExperimentsInParallel([quantizers, groups], "cpu", {
    ...base,
    store: new ResultStore(parallelRoot),
    jobs: 2,
    launch: inProcessLauncher({ train: fakeExecutor() }).launch,
  });

  const files = await recordFiles(sequentialRoot);
  assertEquals(files.length, 8);
  assertEquals(await recordFiles(parallelRoot), files);
  for (const file of files) {
    const sequential = JSON.parse(await Deno.readTextFile(join(sequentialRoot, file)));
    const parallel = JSON.parse(await Deno.readTextFile(join(parallelRoot, file)));
    assertEquals(comparable(parallel), comparable(sequential), file);
  }
  await Deno.remove(sequentialRoot, { recursive: true });
  await Deno.remove(parallelRoot, { recursive: true });
});

Deno.test("runExperimentsInParallel skips finished runs", async () => {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  await runExperiment(quantizers, "smoke", {
    ...base,
    store,
    executors: { train: fakeExecutor() },
  });
  const launcher = inProcessLauncher({ train: fakeExecutor() });
  const summaries = await runExperimentsInParallel([quantizers, groups], "smoke", {
    ...base,
    store,
    jobs: 2,
    launch: launcher.launch,
  });
  assertEquals(launcher.launched, ["groups-mini/g4@0"]);
  assertEquals(statuses(summaries.get("quantizer-mini")), [
    "gq-2x8@0:skipped",
    "lfq-1x16@0:skipped",
  ]);
  assertEquals(statuses(summaries.get("groups-mini")), ["g2@0:reused", "g4@0:done"]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperimentsInParallel records a crashed child", async () => {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  const lines: string[] = [];
  const summaries = await runExperimentsInParallel([quantizers], "smoke", {
    ...base,
    store,
    jobs: 2,
    launch: fakeChildLauncher({ exitAt: { label: "gq-2x8", step: 8 } }, (l) => lines.push(l)),
  });
  assertEquals(statuses(summaries.get("quantizer-mini")), ["gq-2x8@0:failed", "lfq-1x16@0:done"]);
  const failure = summaries.get("quantizer-mini")![0].failure!;
  assertEquals(failure.error, "child process exited with code 3 without writing a record");
  const key = { experiment: "quantizer-mini", label: "gq-2x8", runId: failure.runId };
  assertEquals((await store.readFailure(key))?.error, failure.error);
  const lfq = summaries.get("quantizer-mini")![1].result!;
  assertEquals(lfq.metrics.rfid, expectedSum("lfq-1x16", 0, 10));
  assert(
    lines.some((l) => l.startsWith("[quantizer-mini/lfq-1x16 seed 0] ") && l.includes("done in")),
    `no labelled "done" line among ${lines.length} child lines`,
  );

  // The next call resumes the crashed run from its checkpoint at step 6.
  const executed: string[] = [];
  const again = await runExperimentsInParallel([quantizers], "smoke", {
    ...base,
    store,
    jobs: 2,
    launch: inProcessLauncher({ train: fakeExecutor({ executed }) }).launch,
  });
  assertEquals(statuses(again.get("quantizer-mini")), ["gq-2x8@0:done", "lfq-1x16@0:skipped"]);
  assertEquals(executed, ["gq-2x8@0:7", "gq-2x8@0:8", "gq-2x8@0:9", "gq-2x8@0:10"]);
  assertEquals(await store.readFailure(key), null);
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperimentsInParallel records a killed child", async () => {
  const root = await Deno.makeTempDir();
  const summaries = await runExperimentsInParallel([quantizers, groups], "smoke", {
    ...base,
    store: new ResultStore(root),
    jobs: 2,
    launch: fakeChildLauncher({ killAt: { label: "gq-2x8", step: 5 } }),
  });
  assertEquals(statuses(summaries.get("quantizer-mini")), ["gq-2x8@0:failed", "lfq-1x16@0:done"]);
  assertEquals(
    summaries.get("quantizer-mini")![0].failure?.error,
    "child process was killed by signal SIGKILL without writing a record",
  );
  // "g2" waited for the identical run "gq-2x8", so it fails with it.
  assertEquals(statuses(summaries.get("groups-mini")), ["g2@0:failed", "g4@0:done"]);
  assertStringIncludes(
    summaries.get("groups-mini")![0].failure!.error,
    "identical run quantizer-mini/gq-2x8 failed: child process was killed by signal SIGKILL",
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperimentsInParallel reads failures of a child", async () => {
  const root = await Deno.makeTempDir();
  const summaries = await runExperimentsInParallel([quantizers], "smoke", {
    ...base,
    store: new ResultStore(root),
    jobs: 1,
    launch: fakeChildLauncher({ throwAt: { label: "lfq-1x16", step: 2 } }),
  });
  assertEquals(statuses(summaries.get("quantizer-mini")), ["gq-2x8@0:done", "lfq-1x16@0:failed"]);
  assertEquals(summaries.get("quantizer-mini")![1].failure?.error, "simulated crash at step 2");
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperimentsInParallel records unavailable executors", async () => {
  const root = await Deno.makeTempDir();
  const launcher = inProcessLauncher({
    train: unavailableExecutor("train", "the trainer is not wired yet"),
  });
  const summaries = await runExperimentsInParallel([quantizers, groups], "smoke", {
    ...base,
    store: new ResultStore(root),
    jobs: 2,
    launch: launcher.launch,
  });
  assertEquals(launcher.launched.length, 3);
  assertEquals(statuses(summaries.get("quantizer-mini")), [
    "gq-2x8@0:unavailable",
    "lfq-1x16@0:unavailable",
  ]);
  assertEquals(statuses(summaries.get("groups-mini")), ["g2@0:unavailable", "g4@0:unavailable"]);
  assertEquals(summaries.get("groups-mini")![0].failure?.unavailable, true);
  assertStringIncludes(
    summaries.get("groups-mini")![0].failure!.error,
    'identical run quantizer-mini/gq-2x8 is not available: task "train" not available yet',
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperimentsInParallel stops children on abort", async () => {
  const root = await Deno.makeTempDir();
  const controller = new AbortController();
  const output = (line: string) => {
    if (line.includes("started (task train)") && !controller.signal.aborted) {
      controller.abort(new Error("stopped by the test"));
    }
  };
  const started = performance.now();
  await assertRejects(
    () =>
      runExperimentsInParallel([quantizers], "smoke", {
        ...base,
        store: new ResultStore(root),
        jobs: 2,
        launch: fakeChildLauncher({ stepDelayMs: 2_000 }, output),
        signal: controller.signal,
      }),
    Error,
    "stopped by the test",
  );
  // Ten steps of 2 s would take 20 s; SIGTERM ends the children at once.
  const seconds = (performance.now() - started) / 1000;
  assert(seconds < 15, `stopping took ${seconds.toFixed(1)} s`);
  assertEquals(await recordFiles(root), []);
  await Deno.remove(root, { recursive: true });
});

Deno.test("runExperimentsInParallel rejects repeated experiments", async () => {
  await assertRejects(
    () =>
      runExperimentsInParallel([quantizers, groups, quantizers], "smoke", {
        ...base,
        store: new ResultStore("unused"),
        jobs: 2,
        launch: () => Promise.reject(new Error("not launched")),
      }),
    Error,
    `experiment "quantizer-mini" is listed twice; list each experiment once`,
  );
});

Deno.test("runExperimentsInParallel rejects invalid jobs", async () => {
  for (const jobs of [0, -1, 1.5, NaN]) {
    await assertRejects(
      () =>
        runExperimentsInParallel([quantizers], "smoke", {
          ...base,
          store: new ResultStore("unused"),
          jobs,
          launch: () => Promise.reject(new Error("not launched")),
        }),
      Error,
      `invalid jobs ${jobs}; expected a positive integer`,
    );
  }
});
