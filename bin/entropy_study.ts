/**
 * `deno task entropy-study`: regenerates every figure of the entropy
 * approximation-error study (WeTok, arXiv 2508.05599) from the sweep configs
 * `experiments/entropy-*.json`, with the numbers behind each figure and a
 * Markdown summary.
 *
 * Usage: deno task entropy-study [--quick] [--config FILE]... [--out DIR]
 *        [--summary FILE] [--backend NAME] [--formats png,svg]
 */
import { join, relative, dirname } from "node:path";
import { initBackend, parseBackendName } from "../lib/engine/mod.ts";
import { parseSweepConfig, type SweepConfig } from "../lib/entropy/study_config.ts";
import { runSweep, type SweepRun } from "../lib/entropy/study_run.ts";
import { studySummaryMarkdown } from "../lib/entropy/study_summary.ts";
import { atomicWrite, atomicWriteJson } from "../lib/io/atomic_write.ts";
import { errorMessage, log } from "../lib/io/log.ts";
import { type ImageFormat, writeFigures } from "../lib/report/figure.ts";
import { exitWithUsageError, parseCliArgs, UsageError } from "./_cli.ts";

const HELP = `Regenerate the figures of the entropy approximation-error study.

Options:
  --quick            use each config's "quick" overrides (CI-sized, under a minute);
                     outputs go to <out>/quick/ unless --out or --summary are given
  --config FILE      run only this config (repeatable; default: experiments/entropy-*.json)
  --out DIR          folder of figures and data (default: results/entropy-study)
  --summary FILE     Markdown summary (default: paper-tables/entropy-approximation.md,
                     or <out>/entropy-approximation.md with --quick)
  --backend NAME     TensorFlow.js backend of the cost sweep: wasm, cpu, webgpu, tensorflow
                     (default: $WETOK_BACKEND, else wasm)
  --formats LIST     image formats, comma-separated: png, svg (default: png); empty for none
  --help             show this text

Exit status: 0 when every sweep ran and passed its checks, 1 when a sweep failed
or a check failed, 2 for invalid options or an invalid config.
`;

async function main(): Promise<number> {
  const { values } = parseCliArgs("entropy-study", {
    options: {
      quick: { type: "boolean", default: false },
      config: { type: "string", multiple: true },
      out: { type: "string" },
      summary: { type: "string" },
      backend: { type: "string" },
      formats: { type: "string", default: "png" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const quick = values.quick;
  const out = values.out ?? (quick ? "results/entropy-study/quick" : "results/entropy-study");
  const summaryPath = values.summary ??
    (quick ? join(out, "entropy-approximation.md") : "paper-tables/entropy-approximation.md");
  const formats = values.formats.split(",").map((f) => f.trim()).filter((f) => f !== "");
  for (const f of formats) {
    if (f !== "png" && f !== "svg") throw new UsageError(`invalid --formats entry "${f}": expected png or svg`);
  }

  const configPaths = values.config ?? (await defaultConfigs());
  if (configPaths.length === 0) {
    throw new UsageError("no configs found: expected experiments/entropy-*.json, or pass --config FILE");
  }
  const configs: SweepConfig[] = [];
  for (const path of configPaths) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await Deno.readTextFile(path));
    } catch (err) {
      throw new UsageError(`failed to read config ${path}: ${errorMessage(err)}`, { cause: err });
    }
    try {
      configs.push(parseSweepConfig(parsed, path, quick));
    } catch (err) {
      throw new UsageError(errorMessage(err), { cause: err });
    }
  }

  let backend;
  try {
    backend = parseBackendName(values.backend ?? Deno.env.get("WETOK_BACKEND"));
  } catch (err) {
    throw new UsageError(errorMessage(err), { cause: err });
  }
  await initBackend(backend, { announce: true });

  const started = performance.now();
  log.info(`entropy study: ${configs.length} sweep(s), ${quick ? "quick" : "full"} configs, output in ${out}`);
  const commit = await gitCommit();
  const runs: SweepRun[] = [];
  let failures = 0;
  for (const config of configs) {
    try {
      const run = await runSweep(config);
      runs.push(run);
      await atomicWriteJson(join(out, `${config.id}.data.json`), {
        config,
        quick,
        commit,
        date: new Date().toISOString(),
        seconds: run.seconds,
        ...run.result,
      });
      if ("checks" in run.result && run.result.checks.failed > 0) failures++;
    } catch (err) {
      failures++;
      log.error(`entropy study: ${config.id} failed`, err);
    }
  }

  const figures = runs.flatMap((r) => r.figures);
  await writeFigures(out, figures, { formats: formats as ImageFormat[] });
  const summary = studySummaryMarkdown(runs, {
    command: `deno task entropy-study${quick ? " --quick" : ""}`,
    commit,
    date: new Date().toISOString().slice(0, 10),
    quick,
    figureDir: relative(dirname(summaryPath), out) || ".",
  });
  await atomicWrite(summaryPath, summary);
  log.info(
    `entropy study: finished in ${((performance.now() - started) / 1000).toFixed(1)} s, ` +
      `${figures.length} figure(s) in ${out}, summary ${summaryPath}, ${failures} failed sweep(s)`,
  );
  return failures === 0 ? 0 : 1;
}

async function defaultConfigs(): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir("experiments")) {
    if (entry.isFile && /^entropy-.*\.json$/.test(entry.name)) paths.push(join("experiments", entry.name));
  }
  return paths.sort();
}

async function gitCommit(): Promise<string> {
  try {
    const output = await new Deno.Command("git", { args: ["rev-parse", "--short", "HEAD"] }).output();
    return output.success ? new TextDecoder().decode(output.stdout).trim() : "unknown";
  } catch (err) {
    log.warn(`entropy study: failed to read the git commit, recording "unknown": ${errorMessage(err)}`);
    return "unknown";
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (err) {
    if (err instanceof UsageError) exitWithUsageError("entropy-study", err.message);
    log.error("entropy study failed", err);
    Deno.exit(1);
  }
}
