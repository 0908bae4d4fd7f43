/**
 * End-to-end tests of `deno task reproduce --jobs N` through real child
 * processes of `bin/run_job.ts` at scale smoke: the eight entropy-memory runs
 * of `memory-vs-bits`, and the two train runs of `lr-schedule` on a synthetic
 * corpus. About 15 s in all on a busy 2-core machine.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import type { RunResult } from "../../lib/experiment/mod.ts";
import { fakeCorpus } from "./_fake_corpus.ts";
import { runReproduce } from "./_reproduce.ts";

/** Reads the records of an experiment folder by file name, without their start, finish and run times. */
async function records(dir: string): Promise<Record<string, unknown>> {
  const byName: Record<string, unknown> = {};
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    const record = JSON.parse(await Deno.readTextFile(join(dir, entry.name)));
    const { wallSeconds: _wall, startedAt: _start, finishedAt: _finish, ...rest } = record;
    const { medianMs: _median, ...metrics } = rest.metrics;
    byName[entry.name] = { ...rest, metrics };
  }
  return byName;
}

Deno.test("reproduce --jobs 2 writes the records of --jobs 1", async () => {
  const root = await Deno.makeTempDir();
  const common = ["memory-vs-bits", "--scale", "smoke", "--images", "none"];
  const sequential = await runReproduce([
    ...common,
    "--results",
    join(root, "results-1"),
    "--tables",
    join(root, "tables-1"),
  ]);
  assertEquals(sequential.code, 0, sequential.stderr);
  const parallel = await runReproduce([
    ...common,
    "--jobs",
    "2",
    "--results",
    join(root, "results-2"),
    "--tables",
    join(root, "tables-2"),
  ]);
  assertEquals(parallel.code, 0, parallel.stderr);

  const expected = await records(join(root, "results-1", "memory-vs-bits"));
  assertEquals(Object.keys(expected).length, 8);
  assertEquals(await records(join(root, "results-2", "memory-vs-bits")), expected);
  assertStringIncludes(parallel.stderr, "[memory-vs-bits/exact-d8 seed 0] ");
  assertStringIncludes(parallel.stderr, "all experiments (smoke): 8/8 (100.0%)");
  const table = await Deno.readTextFile(join(root, "tables-2", "memory-vs-bits.md"));
  assertStringIncludes(table, "exact-d16");
  await Deno.remove(root, { recursive: true });
});

Deno.test("reproduce --jobs 2 trains in child processes", async () => {
  const root = await Deno.makeTempDir();
  const cache = await fakeCorpus();
  const resultsDir = join(root, "results");
  const { code, stderr } = await runReproduce([
    "lr-schedule",
    "--scale",
    "smoke",
    "--jobs",
    "2",
    "--cache",
    cache,
    "--results",
    resultsDir,
    "--tables",
    join(root, "tables"),
    "--images",
    "none",
  ]);
  assertEquals(code, 0, stderr);
  const results: RunResult[] = [];
  for await (const entry of Deno.readDir(join(resultsDir, "lr-schedule"))) {
    if (entry.isFile && entry.name.endsWith(".json")) {
      results.push(
        JSON.parse(await Deno.readTextFile(join(resultsDir, "lr-schedule", entry.name))),
      );
    }
  }
  assertEquals(results.map((r) => r.label).sort(), ["constant", "warmup-cosine"]);
  for (const result of results) {
    assertEquals(result.status, "done");
    // The synthetic corpus holds out 2 photos, so the children read the --cache folder.
    assertEquals(result.metrics.evaluatedImages, 2);
    assertEquals(Number.isFinite(result.metrics.psnr), true);
  }
  assertStringIncludes(stderr, "[lr-schedule/warmup-cosine seed 0] ");
  await Deno.remove(root, { recursive: true });
  await Deno.remove(cache, { recursive: true });
});

Deno.test("reproduce rejects an invalid --jobs", async () => {
  for (const value of ["0", "two"]) {
    const { code, stderr } = await runReproduce(["--jobs", value, "--list"]);
    assertEquals(code, 2, stderr);
    assertStringIncludes(stderr, `invalid --jobs "${value}": expected a positive integer`);
  }
});
