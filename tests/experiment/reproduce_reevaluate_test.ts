/**
 * End-to-end test of `deno task reproduce --reevaluate` at scale smoke: the two
 * train runs of `lr-schedule` on a synthetic corpus are trained, a metric is
 * removed from their records, and the re-evaluation restores it from the
 * final checkpoints. About 15 s on a busy 2-core machine.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import type { RunResult } from "../../lib/experiment/mod.ts";
import { fakeCorpus } from "./_fake_corpus.ts";
import { runReproduce } from "./_reproduce.ts";

/** Returns the paths of the run records in an experiment folder, sorted. */
async function recordPaths(dir: string): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".json")) paths.push(join(dir, entry.name));
  }
  return paths.sort();
}

Deno.test("reproduce --reevaluate restores removed metrics", async () => {
  const root = await Deno.makeTempDir();
  const cache = await fakeCorpus();
  const resultsDir = join(root, "results");
  const common = ["--scale", "smoke", "--cache", cache, "--results", resultsDir];
  const trained = await runReproduce([
    "lr-schedule",
    ...common,
    "--tables",
    join(root, "tables"),
    "--images",
    "none",
  ]);
  assertEquals(trained.code, 0, trained.stderr);

  // Records written before the 11x11 Gaussian SSIM existed lacked it.
  const paths = await recordPaths(join(resultsDir, "lr-schedule"));
  assertEquals(paths.length, 2);
  const original: RunResult[] = [];
  for (const path of paths) {
    const record: RunResult = JSON.parse(await Deno.readTextFile(path));
    original.push(record);
    const { ssimGaussian11: _removed, ...metrics } = record.metrics;
    await Deno.writeTextFile(path, JSON.stringify({ ...record, metrics }, null, 2));
  }

  const reevaluated = await runReproduce(["lr-schedule", "--reevaluate", ...common]);
  assertEquals(reevaluated.code, 0, reevaluated.stderr);
  assertStringIncludes(reevaluated.stderr, "2 matched and updated, 0 matched and unchanged");
  for (const [index, path] of paths.entries()) {
    const record: RunResult = JSON.parse(await Deno.readTextFile(path));
    const { reevaluation, ...rest } = record;
    assertEquals(reevaluation?.metricsAdded, ["ssimGaussian11"]);
    assertEquals(rest.metrics.ssimGaussian11, original[index].metrics.ssimGaussian11);
    assertEquals(rest, original[index]);
  }
  await Deno.remove(root, { recursive: true });
  await Deno.remove(cache, { recursive: true });
});

Deno.test("reproduce --reevaluate rejects --report-only", async () => {
  const { code, stderr } = await runReproduce(["--reevaluate", "--report-only", "lr-schedule"]);
  assertEquals(code, 2, stderr);
  assertStringIncludes(stderr, "--reevaluate and --report-only exclude each other");
});
