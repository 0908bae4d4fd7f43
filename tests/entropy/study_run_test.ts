/**
 * Sweep configs, sweep runs and the summary of the entropy study, on the
 * tracked configs shrunk by their quick overrides.
 */
import { assert, assertEquals, assertGreater, assertStringIncludes, assertThrows } from "@std/assert";
import { initBackend } from "../../lib/engine/mod.ts";
import { parseSweepConfig, type SweepConfig } from "../../lib/entropy/study_config.ts";
import { runSweep, type SweepRun } from "../../lib/entropy/study_run.ts";
import { studySummaryMarkdown } from "../../lib/entropy/study_summary.ts";
import { validateFigure } from "../../lib/report/figure.ts";

const CONFIG_DIR = new URL("../../experiments/", import.meta.url);

async function trackedConfigs(quick: boolean): Promise<SweepConfig[]> {
  const configs: SweepConfig[] = [];
  for await (const entry of Deno.readDir(CONFIG_DIR)) {
    if (!/^entropy-.*\.json$/.test(entry.name)) continue;
    const text = await Deno.readTextFile(new URL(entry.name, CONFIG_DIR));
    configs.push(parseSweepConfig(JSON.parse(text), entry.name, quick));
  }
  return configs.sort((a, b) => a.id.localeCompare(b.id));
}

Deno.test("parseSweepConfig accepts every tracked config", async () => {
  const full = await trackedConfigs(false);
  // Every sweep kind has a config; a kind may have several (synthetic and real latents).
  assertEquals(
    [...new Set(full.map((c) => c.sweep))].sort(),
    ["cost-vs-d", "error-vs-correlation", "error-vs-groups", "error-vs-temperature", "estimator-scatter", "non-nested-search"],
  );
  const groups = full.find((c) => c.sweep === "error-vs-groups")!;
  assertEquals(groups.sweep === "error-vs-groups" && groups.bits, [8, 12, 16, 20, 24]);
});

Deno.test("parseSweepConfig applies quick overrides", async () => {
  const quick = await trackedConfigs(true);
  for (const config of quick) {
    assert(config.tokens <= 64, `${config.id}: quick run uses ${config.tokens} tokens`);
    assertEquals("quick" in config, false);
  }
});

Deno.test("parseSweepConfig rejects invalid fields", () => {
  const base = { id: "entropy-x", sweep: "error-vs-temperature", seed: 1, tokens: 8, bits: 6, temperatures: [1], groupCounts: [1, 2], source: { kind: "independent" } };
  parseSweepConfig(base, "x.json");
  assertThrows(() => parseSweepConfig({ ...base, groupCounts: [4] }, "x.json"), Error, "x.json: invalid groupCounts [4]: expected a non-empty list of divisors of 6");
  assertThrows(() => parseSweepConfig({ ...base, sweep: "error-vs-d" }, "x.json"), Error, "invalid sweep \"error-vs-d\"");
  assertThrows(() => parseSweepConfig({ ...base, tokens: 0 }, "x.json"), Error, "invalid tokens 0");
  assertThrows(() => parseSweepConfig({ ...base, temperatures: [0] }, "x.json"), Error, "positive temperatures");
  assertThrows(() => parseSweepConfig([], "x.json"), Error, "expected a JSON object");
});

Deno.test("runSweep quick configs pass every check", async () => {
  await initBackend("cpu", { announce: false });
  const runs: SweepRun[] = [];
  for (const config of await trackedConfigs(true)) runs.push(await runSweep(config));
  for (const run of runs) {
    assertGreater(run.figures.length, 0, `${run.config.id}: no figures`);
    for (const figure of run.figures) validateFigure(figure);
    if (run.sweep === "cost-vs-d") {
      const failed = run.result.records.filter((r) => r.error !== undefined);
      assertEquals(failed.length, 0, `${run.config.id}: ${failed.map((r) => r.error).join("; ")}`);
      continue;
    }
    const checks = run.result.checks;
    assertGreater(checks.analyses, 0);
    assertEquals(checks.failed, 0, `${run.config.id}: failed checks`);
    assertEquals(checks.refinementViolations, 0, `${run.config.id}: refinement violations`);
    assert(checks.maxIdentityGap < 1e-10, `${run.config.id}: identity gap ${checks.maxIdentityGap}`);
  }

  const search = runs.find((r) => r.sweep === "non-nested-search")!;
  assertGreater(search.result.checks.nonNestedInversions, 0);

  const summary = studySummaryMarkdown(runs, {
    command: "deno task entropy-study --quick",
    commit: "test",
    date: "2026-01-01",
    quick: true,
    figureDir: ".",
  });
  assertStringIncludes(summary, "## Verdict");
  assertStringIncludes(summary, "Refinement never lowers the error, so bitwise (BSQ) error >= GQ error for consecutive groups: holds");
  assertStringIncludes(summary, "does not hold for groupings that are not nested");
});

Deno.test("runSweep factorial control has zero error", async () => {
  const config = parseSweepConfig({
    id: "entropy-factorial",
    sweep: "error-vs-groups",
    seed: 3,
    tokens: 64,
    bits: [8, 12],
    temperatures: [0.5],
    sources: [{ kind: "factorial" }],
  }, "inline");
  const run = await runSweep(config);
  if (run.sweep !== "error-vs-groups") throw new Error(`unexpected sweep ${run.sweep}`);
  for (const record of run.result.records) {
    for (const g of record.groupings) assert(Math.abs(g.error) < 1e-12, `d=${record.bits} ${g.name}: error ${g.error}`);
  }
});
