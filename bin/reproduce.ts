/**
 * Reproduces the tables and figures of WeTok (arXiv 2508.05599): runs the
 * experiment configs under `experiments/` at one scale, skipping finished runs
 * and resuming interrupted ones, then writes `paper-tables/<scale>/<name>.md`
 * and `.tex` and the figures under `paper-tables/<scale>/figures/`.
 *
 *     deno task reproduce [NAME...] [--scale smoke|cpu|paper] [--backend NAME] [--jobs N]
 *     deno task reproduce --reevaluate [NAME...] --scale S
 *
 * Run `deno task reproduce --help` for every option.
 */
import { join, resolve } from "node:path";
import { type BackendName, initBackend, parseBackendName } from "../lib/engine/mod.ts";
import {
  childProcessLauncher,
  type CodeVersion,
  codeVersion,
  type ExecutorsByTask,
  type ExperimentConfig,
  loadExperimentConfig,
  parseJobs,
  parseScale,
  reevaluateExperiment,
  type ReevaluationSummary,
  resolveRuns,
  ResultStore,
  runExperiment,
  runExperimentsInParallel,
  type RunRecord,
  type RunSummary,
  type Scale,
} from "../lib/experiment/mod.ts";
import { buildCorpus, indexPath } from "../lib/data/corpus_builder.ts";
import { type CorpusSet, loadManifest } from "../lib/data/manifest.ts";
import { runEntropyMemory } from "../lib/experiment/executors/entropy_memory.ts";
import { trainExecutor } from "../lib/experiment/executors/train_run.ts";
import { atomicWrite } from "../lib/io/atomic_write.ts";
import { errorMessage, log } from "../lib/io/log.ts";
import { formatDuration } from "../lib/io/progress.ts";
import {
  buildExperimentReport,
  checkPaperReferences,
  type Figure,
  type ImageFormat,
  reportLatex,
  reportMarkdown,
  writeFigures,
} from "../lib/report/mod.ts";
import { parseCliArgs } from "./_cli.ts";

const HELP = `Usage: deno task reproduce [NAME...] [options]

Runs the experiments NAME (file stems under experiments/; default: all but the
entropy-* study files, which belong to \`deno task entropy-study\`) and writes
paper-tables/<scale>/<name>.md and .tex with figures under
paper-tables/<scale>/figures/, so that each scale keeps its own tables.
A run with a finished record under another experiment or label and the same
run id (same resolved config and code) is not executed again: its record is
copied, with reusedFrom naming the source.

Options:
  --scale S          smoke (minutes, CI), cpu (2-core machine, hours) or paper (GPU); default smoke
  --backend NAME     TensorFlow.js backend: wasm, cpu, webgpu, tensorflow (default: WETOK_BACKEND or wasm)
  --jobs N           runs executed at the same time, each in its own child process, across all
                     experiments named (default 1: one after the other in this process). Each job
                     needs its own CPU core and up to about 4 GiB of memory: two sequential
                     cpu-scale processes on wasm peaked at 1.8 and 3.8 GiB resident over their
                     runs. N above the number of cores only slows every run down. Use 2 on a
                     2-core machine.
  --results DIR      run records and checkpoints (default results)
  --tables DIR       generated tables and figures (default paper-tables/<scale>)
  --cache DIR        photo corpus cache of \`deno task corpus\` (default .cache/wetok)
  --report-only      run nothing; report the latest record of every run at this scale
  --reevaluate       train nothing and write no tables: evaluate the final checkpoint of the
                     latest finished record of every train run at this scale with the current
                     evaluation code, rebuilding each run from its record's config. Metrics the
                     record lacks are added with a "reevaluation" block. Every stored metric
                     must come out equal (1e-6 relative; decodeMs, a timing, is kept as stored),
                     or the record is left unchanged and the mismatch logged. Records without a
                     checkpoint folder are skipped with a warning. Run --report-only afterwards.
  --images LIST      figure images: png, svg, png,svg or none (default png)
  --chromium PATH    Chromium binary for the images (default /usr/bin/chromium)
  --list             list the experiments with their runs per scale, then exit
  -h, --help         show this help
`;

const root = resolve(new URL("..", import.meta.url).pathname);
const { values: flags, positionals: names } = parseCliArgs("reproduce", {
  allowPositionals: true,
  options: {
    scale: { type: "string", default: "smoke" },
    backend: { type: "string" },
    jobs: { type: "string", default: "1" },
    results: { type: "string", default: join(root, "results") },
    tables: { type: "string" },
    cache: { type: "string", default: join(root, ".cache", "wetok") },
    "report-only": { type: "boolean", default: false },
    reevaluate: { type: "boolean", default: false },
    images: { type: "string", default: "png" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    list: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (flags.help) {
  console.log(HELP);
  Deno.exit(0);
}

Deno.exit(
  await main().catch((err) => {
    log.error("reproduce failed", err);
    return 2;
  }),
);

/** Runs the experiments and writes the reports; returns the process exit code. */
async function main(): Promise<number> {
  const scale = parseScale(flags.scale!);
  const jobs = parseJobs(flags.jobs!);
  // Parsed before --list and --report-only, so an invalid backend name fails in every mode.
  const backend = parseBackendName(flags.backend ?? Deno.env.get("WETOK_BACKEND"));
  const formats = parseImageFormats(flags.images!);
  const configs = await loadConfigs(join(root, "experiments"), names);

  if (flags.list) {
    for (const config of configs) {
      const runs = resolveRuns(config, scale);
      console.log(`${config.name}: ${config.title} (${runs.length} run(s) at scale ${scale})`);
      for (const run of runs) console.log(`  ${run.label} seed ${run.seed} (${run.config.task})`);
    }
    return 0;
  }

  const store = new ResultStore(resolve(flags.results!));
  if (flags.reevaluate) return await reevaluate(configs, scale, jobs, backend, store);
  const recordsByExperiment = new Map<string, RunRecord[]>();
  let failed = 0;
  let unavailable = 0;

  if (flags["report-only"]) {
    for (const config of configs) {
      recordsByExperiment.set(config.name, await store.latest(config.name, scale));
    }
  } else {
    const version = await prepareExecution(configs, scale, backend, "these results");
    const executors: ExecutorsByTask = {
      "entropy-memory": runEntropyMemory,
      train: trainExecutor({ cacheDir: resolve(flags.cache!) }),
    };
    const provenance = { store, codeVersion: version.identity, commit: version.commit, backend };
    const summariesByExperiment = new Map<string, RunSummary[]>();
    if (jobs === 1) {
      for (const config of configs) {
        summariesByExperiment.set(
          config.name,
          await runExperiment(config, scale, { ...provenance, executors }),
        );
      }
    } else {
      const summaries = await runInChildProcesses(configs, scale, jobs, provenance);
      if (typeof summaries === "number") return summaries;
      for (const [name, list] of summaries) summariesByExperiment.set(name, list);
    }
    for (const [name, summaries] of summariesByExperiment) {
      recordsByExperiment.set(name, summaries.flatMap(recordOf));
      failed += summaries.filter((s) => s.status === "failed").length;
      unavailable += summaries.filter((s) => s.status === "unavailable").length;
    }
  }

  const tablesDir = resolve(flags.tables ?? join(root, "paper-tables", scale));
  const figures: Figure[] = [];
  for (const config of configs) {
    const report = buildExperimentReport(config, scale, recordsByExperiment.get(config.name) ?? []);
    await atomicWrite(
      join(tablesDir, `${config.name}.md`),
      reportMarkdown(report, config.description, "figures"),
    );
    await atomicWrite(join(tablesDir, `${config.name}.tex`), reportLatex(report));
    figures.push(...report.figures);
    log.info(
      `wrote ${join(tablesDir, config.name)}.md and .tex (${report.figures.length} figure(s))`,
    );
  }
  try {
    await writeFigures(join(tablesDir, "figures"), figures, {
      formats,
      chromiumPath: flags.chromium,
    });
  } catch (err) {
    log.error("failed to write figures", err);
    failed++;
  }

  if (unavailable > 0) {
    log.warn(
      `${unavailable} run(s) could not execute yet (their task is not available); the tables show them as missing`,
    );
  }
  if (failed > 0) {
    log.error(
      `${failed} run(s) or figure writes failed; see the errors above and the *.failed.json records`,
    );
    return 1;
  }
  return 0;
}

/**
 * Builds the photo corpora the runs need, starts the backend and returns the
 * code version, with a warning when `lib/` or `bin/` has uncommitted changes,
 * because `outputs` (such as "these results") then cannot be reproduced from git.
 */
async function prepareExecution(
  configs: readonly ExperimentConfig[],
  scale: Scale,
  backend: BackendName,
  outputs: string,
): Promise<CodeVersion> {
  await buildMissingCorpora(configs, scale, resolve(flags.cache!));
  await initBackend(backend);
  const version = await codeVersion(root);
  if (version.dirty) {
    log.warn(
      `code ${version.identity}: lib/ or bin/ differs from commit ${version.commit}, so ` +
        `${outputs} cannot be reproduced from git alone`,
    );
  }
  return version;
}

/**
 * Re-evaluates the finished train runs of `configs` at `scale` from their
 * final checkpoints (see `reevaluateExperiment`) and logs the counts.
 * Returns 0 when no record mismatched or failed, else 1.
 */
async function reevaluate(
  configs: readonly ExperimentConfig[],
  scale: Scale,
  jobs: number,
  backend: BackendName,
  store: ResultStore,
): Promise<number> {
  if (flags["report-only"]) {
    throw new Error("--reevaluate and --report-only exclude each other; give one of them");
  }
  if (jobs !== 1) {
    throw new Error(
      `--reevaluate evaluates one run at a time in this process; drop --jobs ${jobs}`,
    );
  }
  const version = await prepareExecution(configs, scale, backend, "the re-evaluated metrics");

  const started = performance.now();
  const summaries: ReevaluationSummary[] = [];
  for (const config of configs) {
    summaries.push(
      ...await reevaluateExperiment(config.name, scale, {
        store,
        executors: {
          train: trainExecutor({ cacheDir: resolve(flags.cache!), evaluateOnly: true }),
        },
        codeVersion: version.identity,
        commit: version.commit,
        backend,
      }),
    );
  }

  const count = (status: ReevaluationSummary["status"]) =>
    summaries.filter((s) => s.status === status).length;
  log.info(
    `re-evaluated ${summaries.length} record(s) at scale ${scale} in ` +
      `${formatDuration((performance.now() - started) / 1000)}: ${count("updated")} matched ` +
      `and updated, ${count("unchanged")} matched and unchanged, ${count("mismatch")} ` +
      `mismatched, ${count("failed")} failed, ${count("skipped")} skipped`,
  );
  return count("mismatch") + count("failed") > 0 ? 1 : 0;
}

/**
 * Runs the experiments with up to `jobs` child processes (`bin/run_job.ts`).
 * The first SIGINT (Ctrl-C) or SIGTERM stops the children, whose runs resume
 * from their checkpoints next time; a second one exits at once.
 * Returns the summaries per experiment, or the exit code 128 + signal number
 * (130 for SIGINT, 143 for SIGTERM) when a signal stopped the job.
 */
async function runInChildProcesses(
  configs: readonly ExperimentConfig[],
  scale: Scale,
  jobs: number,
  provenance: { store: ResultStore; codeVersion: string; commit: string; backend: string },
): Promise<Map<string, RunSummary[]> | number> {
  const cores = navigator.hardwareConcurrency;
  if (jobs > cores) {
    log.warn(`--jobs ${jobs} is more than the ${cores} CPU cores, so every run will be slower`);
  }
  const controller = new AbortController();
  const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const;
  let stoppedBy: keyof typeof exitCodes = "SIGINT";
  const onSignal = (signal: keyof typeof exitCodes) => () => {
    if (controller.signal.aborted) {
      log.error(`${signal} again: exiting without waiting for the child processes`);
      Deno.exit(exitCodes[signal]);
    }
    log.warn(`${signal}: stopping the child processes; their runs resume next time`);
    stoppedBy = signal;
    controller.abort(new Error(`stopped by ${signal}`));
  };
  const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) =>
    [signal, onSignal(signal)] as const
  );
  for (const [signal, listener] of listeners) Deno.addSignalListener(signal, listener);
  try {
    return await runExperimentsInParallel(configs, scale, {
      ...provenance,
      jobs,
      launch: childProcessLauncher({
        script: join(root, "bin", "run_job.ts"),
        scriptArgs: ["--cache", resolve(flags.cache!)],
      }),
      signal: controller.signal,
    });
  } catch (err) {
    if (!controller.signal.aborted) throw err;
    log.error(`reproduce ${errorMessage(controller.signal.reason)}; tables not written`);
    return exitCodes[stoppedBy];
  } finally {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
}

/**
 * Builds the corpus index of every photo set that a train run at `scale` needs
 * and that `cacheDir` lacks, as `deno task corpus --set SET` would.
 */
async function buildMissingCorpora(
  configs: readonly ExperimentConfig[],
  scale: Scale,
  cacheDir: string,
): Promise<void> {
  const sets = new Set<CorpusSet>();
  for (const config of configs) {
    for (const run of resolveRuns(config, scale)) {
      if (run.config.task === "train") sets.add(run.config.data.set as CorpusSet);
    }
  }
  for (const set of sets) {
    const path = indexPath(cacheDir, set);
    try {
      await Deno.stat(path);
      continue;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    log.info(`corpus index ${path} not found; building photo set "${set}" into ${cacheDir}`);
    const index = await buildCorpus({ manifest: await loadManifest(), set, cacheDir });
    log.info(`corpus ${set}: built ${path} with ${index.photos.length} photos`);
  }
}

function recordOf(summary: RunSummary): RunRecord[] {
  if (summary.result) return [summary.result];
  if (summary.failure) return [summary.failure];
  return [];
}

function parseImageFormats(value: string): ImageFormat[] {
  if (value === "none") return [];
  const list = value.split(",").map((f) => f.trim());
  for (const format of list) {
    if (format !== "png" && format !== "svg") {
      throw new Error(`invalid --images "${value}": expected png, svg, png,svg or none`);
    }
  }
  return list as ImageFormat[];
}

async function loadConfigs(dir: string, requested: string[]): Promise<ExperimentConfig[]> {
  const available: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".json") && !entry.name.startsWith("entropy-")) {
      available.push(entry.name.replace(/\.json$/, ""));
    }
  }
  available.sort();
  for (const name of requested) {
    if (!available.includes(name)) {
      throw new Error(
        `unknown experiment "${name}": expected one of ${
          available.join(", ")
        } (files under ${dir})`,
      );
    }
  }
  const chosen = requested.length > 0 ? [...new Set(requested)] : available;
  const configs: ExperimentConfig[] = [];
  for (const name of chosen) {
    try {
      const config = await loadExperimentConfig(join(dir, `${name}.json`));
      checkPaperReferences(config);
      configs.push(config);
    } catch (err) {
      throw new Error(`invalid experiment config ${name}: ${errorMessage(err)}`, { cause: err });
    }
  }
  return configs;
}
