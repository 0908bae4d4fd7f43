/**
 * End-to-end test of the README's main job: `deno task reproduce --scale smoke`
 * over every experiment, on the real photos of the `ci` corpus (built from
 * Debian packages when missing), through two child processes. It took 3.5
 * minutes on a 2-core machine that was running the rest of the suite.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import { loadExperimentConfig, resolveRuns } from "../../lib/experiment/mod.ts";
import { CORPUS_CACHE } from "../data/_cache.ts";
import { runReproduce } from "./_reproduce.ts";

const experimentsDir = new URL("../../experiments/", import.meta.url).pathname;

/** Returns the experiment names that `reproduce` runs by default (all but the entropy-* study files). */
async function defaultExperiments(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(experimentsDir)) {
    if (entry.name.endsWith(".json") && !entry.name.startsWith("entropy-")) {
      names.push(entry.name.slice(0, -".json".length));
    }
  }
  return names.sort();
}

Deno.test("reproduce smoke regenerates every table", async () => {
  const root = await Deno.makeTempDir({ prefix: "reproduce_smoke_" });
  const results = join(root, "results");
  const tables = join(root, "tables");
  const { code, stderr } = await runReproduce([
    "--scale",
    "smoke",
    "--jobs",
    "2",
    "--images",
    "none",
    "--cache",
    CORPUS_CACHE,
    "--results",
    results,
    "--tables",
    tables,
  ]);
  assertEquals(code, 0, stderr.slice(-4000));

  for (const name of await defaultExperiments()) {
    const config = await loadExperimentConfig(join(experimentsDir, `${name}.json`));
    const table = await Deno.readTextFile(join(tables, `${name}.md`));
    assertStringIncludes(table, "(scale smoke)", name);
    assert((await Deno.stat(join(tables, `${name}.tex`))).isFile, `${name}.tex`);
    for (const run of resolveRuns(config, "smoke")) {
      assertStringIncludes(table, `| ${run.label} |`, `${name}/${run.label}`);
    }
    const files: string[] = [];
    for await (const entry of Deno.readDir(join(results, name))) files.push(entry.name);
    const failed = files.filter((file) => file.endsWith(".failed.json"));
    assertEquals(failed, [], `${name}: failed runs`);
    const done = files.filter((file) => file.endsWith(".json"));
    assertEquals(done.length, resolveRuns(config, "smoke").length, `${name}: records`);
  }
  await Deno.remove(root, { recursive: true });
});
