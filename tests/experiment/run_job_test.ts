import { assertEquals, assertRejects, assertStringIncludes, assertThrows } from "@std/assert";
import {
  executeRunJob,
  parseExperimentConfig,
  parseJobs,
  parseRunJob,
  resolveRuns,
  RUN_JOB_EXIT_CODES,
  runId,
  type RunJob,
  runJobExitCode,
  type RunSummary,
} from "../../lib/experiment/mod.ts";
import { trainExperiment } from "./_fixtures.ts";
import { fakeExecutor } from "./_fake_executor.ts";

const config = parseExperimentConfig(trainExperiment(), "test.json");
const childScript = new URL("./_run_job_child.ts", import.meta.url).pathname;

async function job(resultsDir: string): Promise<RunJob> {
  const [run] = resolveRuns(config, "smoke");
  return {
    run,
    runId: await runId(run.config, "test-version"),
    resultsDir,
    codeVersion: "test-version",
    commit: "0123abc",
    backend: "none",
  };
}

Deno.test("parseJobs accepts positive integers", () => {
  assertEquals(parseJobs("1"), 1);
  assertEquals(parseJobs("2"), 2);
  assertEquals(parseJobs(" 16 "), 16);
});

Deno.test("parseJobs rejects invalid values", () => {
  for (const value of ["0", "-1", "1.5", "two", "", " ", "1e3", "0x2", "9007199254740993"]) {
    const err = assertThrows(() => parseJobs(value), Error);
    assertStringIncludes(err.message, `invalid --jobs "${value}"`);
    assertStringIncludes(err.message, "expected a positive integer");
  }
});

Deno.test("parseRunJob round-trips a job", async () => {
  const original = { ...(await job("results")), progressIntervalMs: 5000 };
  assertEquals(parseRunJob(JSON.stringify(original), "job"), original);
});

Deno.test("parseRunJob rejects invalid jobs", async () => {
  const valid = await job("results");
  assertThrows(() => parseRunJob("{", "job"), Error, "invalid JSON in job");
  const { runId: _runId, ...withoutId } = valid;
  assertThrows(() => parseRunJob(JSON.stringify(withoutId), "job"), Error, "runId");
  const wrongSeed = { ...valid, run: { ...valid.run, seed: 5 } };
  assertThrows(
    () => parseRunJob(JSON.stringify(wrongSeed), "job"),
    Error,
    "invalid value 5: differs from run.config.seed 0",
  );
  const wrongScale = { ...valid, run: { ...valid.run, scale: "huge" } };
  assertThrows(() => parseRunJob(JSON.stringify(wrongScale), "job"), Error, `invalid scale "huge"`);
  const extra = { ...valid, store: "x" };
  assertThrows(() => parseRunJob(JSON.stringify(extra), "job"), Error, "store");
});

Deno.test("executeRunJob rejects a mismatched run id", async () => {
  const root = await Deno.makeTempDir();
  const valid = await job(root);
  await assertRejects(
    () => executeRunJob({ ...valid, codeVersion: "other-version" }, { train: fakeExecutor() }),
    Error,
    `run id ${valid.runId} does not match its config and code version`,
  );
  const summary = await executeRunJob(valid, { train: fakeExecutor() });
  assertEquals(summary.status, "done");
  await Deno.remove(root, { recursive: true });
});

Deno.test("runJobExitCode maps each status", () => {
  const codes = (["done", "skipped", "reused", "failed", "unavailable"] as const).map((status) =>
    runJobExitCode({ status } as RunSummary)
  );
  assertEquals(codes, [0, 0, 0, 10, 11]);
});

Deno.test("runJobInChild exits when stdin closes", async () => {
  const root = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      childScript,
      JSON.stringify({ stepDelayMs: 2_000 }),
      JSON.stringify(await job(root)),
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Wait for the run to start, then close stdin as the end of a parent process would.
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("started (task train)")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await child.stdin.close();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    text += chunk.value;
  }
  const status = await child.status;
  assertEquals(status.code, RUN_JOB_EXIT_CODES.parentGone, text);
  assertStringIncludes(text, "standard input closed, so the parent process has ended");
  await Deno.remove(root, { recursive: true });
});

Deno.test("runJobInChild rejects an invalid job", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", childScript, "{}", "not json"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(output.code, RUN_JOB_EXIT_CODES.invalidJob);
  assertStringIncludes(new TextDecoder().decode(output.stderr), "invalid run job: invalid JSON");
});
