import { assertEquals, assertThrows } from "@std/assert";
import {
  ConfigError,
  loadExperimentConfig,
  mergeDeep,
  parseExperimentConfig,
  parseScale,
  resolveRuns,
} from "../../lib/experiment/mod.ts";
import { edit, trainExperiment } from "./_fixtures.ts";

function parseError(update: (config: any) => void): ConfigError {
  const config = edit(trainExperiment(), update);
  const err = assertThrows(() => parseExperimentConfig(config, "test.json"), ConfigError);
  return err as ConfigError;
}

Deno.test("parseExperimentConfig accepts a valid config", () => {
  const config = parseExperimentConfig(trainExperiment(), "test.json");
  assertEquals(config.name, "quantizer-mini");
  assertEquals(config.runs.map((r) => r.label), ["gq-2x8", "lfq-1x16"]);
});

Deno.test("parseExperimentConfig names invalid fields", () => {
  const cases: [string, (c: any) => void, string, string][] = [
    [
      "groups not dividing bits",
      (c) => (c.defaults.quantizer.groups = 3),
      'runs[0] "gq-2x8" at scale smoke.quantizer.groups',
      "does not divide bits = 16",
    ],
    [
      "unknown quantizer",
      (c) => (c.defaults.quantizer.kind = "rvq"),
      'runs[0] "gq-2x8" at scale smoke.quantizer.kind',
      "expected one of lfq, gq, bsq, fsq, vq",
    ],
    [
      "misspelt field",
      (c) => (c.defaults.batchsize = 4),
      'runs[0] "gq-2x8" at scale smoke.batchsize',
      "unknown field",
    ],
    [
      "channels not multiple of 32",
      (c) => (c.runs[0].config = { architecture: { ch: 48 } }),
      'runs[0] "gq-2x8" at scale smoke.architecture.ch',
      "multiple of 32",
    ],
    [
      "crop not multiple of factor",
      (c) => (c.defaults.data.cropSize = 31),
      'runs[0] "gq-2x8" at scale smoke.data.cropSize',
      "downsampling factor 2",
    ],
    [
      "lfq with groups",
      (c) => (c.runs[1].config.quantizer.groups = 2),
      'runs[1] "lfq-1x16" at scale smoke.quantizer.groups',
      "set groups to 1",
    ],
    [
      "paper scale only",
      (c) => (c.scales.paper.overrides.data.cropSize = 100),
      'runs[0] "gq-2x8" at scale paper.data.cropSize',
      "downsampling factor 8",
    ],
    [
      "negative learning rate",
      (c) => (c.defaults.schedule.learningRate = -1),
      'runs[0] "gq-2x8" at scale smoke.schedule.learningRate',
      "finite number > 0",
    ],
    [
      "noise without stage 2",
      (c) => (c.defaults.eval.noiseSamples = 4),
      'runs[0] "gq-2x8" at scale smoke.eval.noiseSamples',
      "stage2Steps > 0",
    ],
    [
      "long warm-up",
      (c) => (c.defaults.schedule = { kind: "warmup-cosine", learningRate: 1e-4, warmupSteps: 10 }),
      'runs[0] "gq-2x8" at scale smoke.schedule.warmupSteps',
      "shorter than stage1Steps",
    ],
    ["missing seeds", (c) => delete c.scales.cpu.seeds, "scales.cpu.seeds", "non-empty array"],
    ["missing scale", (c) => delete c.scales.paper, "scales.paper", "expected an object"],
    ["duplicate label", (c) => (c.runs[1].label = "gq-2x8"), "runs[1].label", "duplicate label"],
    ["bad label", (c) => (c.runs[1].label = "LFQ 16"), "runs[1].label", "lower-case"],
    [
      "claim on unknown run",
      (c) => (c.report.claims[0].criterion.runs[1] = "bsq"),
      "report.claims[0].criterion.runs[1]",
      'no run is labelled "bsq"',
    ],
    [
      "figure on unknown metric",
      (c) => (c.report.figures[0].metric = "fid"),
      "report.figures[0].metric",
      "expected one of rfid, psnr",
    ],
    [
      "value on unknown run",
      (c) => (c.report.values[0].run = "vq"),
      "report.values[0].run",
      "no run is labelled",
    ],
  ];
  for (const [name, update, field, message] of cases) {
    const err = parseError(update);
    assertEquals(err.field, field, name);
    assertEquals(err.message.startsWith(`test.json: ${field}: `), true, `${name}: ${err.message}`);
    assertEquals(err.message.includes(message), true, `${name}: ${err.message}`);
  }
});

Deno.test("parseExperimentConfig checks fsq and vq sizes", () => {
  const fsq = parseError((
    c,
  ) => (c.runs[0].config = {
    quantizer: { kind: "fsq", bits: 16, groups: 1, levels: [8, 8, 8, 5, 5, 5] },
  }));
  assertEquals(fsq.field, 'runs[0] "gq-2x8" at scale smoke.quantizer.bits');
  assertEquals(fsq.message.includes("set bits to 15"), true, fsq.message);
  const vq = parseError((
    c,
  ) => (c.runs[0].config = { quantizer: { kind: "vq", bits: 16, groups: 1, codebookSize: 1000 } }));
  assertEquals(vq.field, 'runs[0] "gq-2x8" at scale smoke.quantizer.bits');
});

Deno.test("resolveRuns fills official quantizer loss weights", () => {
  const config = parseExperimentConfig(trainExperiment(), "test.json");
  const run = resolveRuns(config, "smoke")[0].config;
  if (run.task !== "train") throw new Error("expected a train run");
  assertEquals(run.quantizerLossWeights, { commitment: 0.25, entropy: 0.1 });
});

Deno.test("resolveRuns merges one quantizer loss weight", () => {
  const config = parseExperimentConfig(
    edit(trainExperiment(), (c) => (c.runs[0].config = { quantizerLossWeights: { entropy: 0 } })),
    "test.json",
  );
  const run = resolveRuns(config, "smoke")[0].config;
  if (run.task !== "train") throw new Error("expected a train run");
  assertEquals(run.quantizerLossWeights, { commitment: 0.25, entropy: 0 });
});

Deno.test("parseExperimentConfig rejects bad quantizer loss weights", () => {
  const field = 'runs[0] "gq-2x8" at scale smoke.quantizerLossWeights';
  const cases: [string, unknown, string, string][] = [
    ["negative weight", { commitment: -0.25 }, `${field}.commitment`, "invalid value -0.25"],
    ["string weight", { entropy: "0.1" }, `${field}.entropy`, 'invalid value "0.1"'],
    ["null weight", { entropy: null }, `${field}.entropy`, "expected a finite number >= 0"],
    ["misspelt term", { entropyWeight: 0 }, `${field}.entropyWeight`, "unknown field"],
    ["not an object", 0.1, field, "expected an object"],
  ];
  for (const [name, weights, expectedField, message] of cases) {
    const err = parseError((c) => (c.defaults.quantizerLossWeights = weights));
    assertEquals(err.field, expectedField, name);
    assertEquals(err.message.includes(message), true, `${name}: ${err.message}`);
  }
});

Deno.test("resolveRuns merges defaults, scale and run", () => {
  const config = parseExperimentConfig(trainExperiment(), "test.json");
  const smoke = resolveRuns(config, "smoke");
  assertEquals(smoke.length, 2);
  const cpu = resolveRuns(config, "cpu");
  assertEquals(cpu.map((r) => `${r.label}/${r.seed}`), [
    "gq-2x8/0",
    "gq-2x8/1",
    "lfq-1x16/0",
    "lfq-1x16/1",
  ]);
  const lfq = cpu[2].config;
  if (lfq.task !== "train") throw new Error("expected a train run");
  assertEquals(lfq.quantizer, { kind: "lfq", bits: 16, groups: 1, entropyMethod: "exact" });
  assertEquals(lfq.stages.stage1Steps, 100);
  assertEquals(cpu[1].config.seed, 1);
  const paper = resolveRuns(config, "paper")[0].config;
  if (paper.task !== "train") throw new Error("expected a train run");
  assertEquals(paper.architecture, { ch: 256, chMult: [1, 2, 2, 4], numResBlocks: 4 });
  assertEquals(paper.data.cropSize, 256);
});

Deno.test("resolveRuns honours per-run scales", () => {
  const config = parseExperimentConfig(
    edit(trainExperiment(), (c) => {
      c.runs[1].scales = ["paper"];
      c.runs[0].at = { cpu: { batchSize: 16 } };
    }),
    "test.json",
  );
  assertEquals(resolveRuns(config, "smoke").map((r) => r.label), ["gq-2x8"]);
  assertEquals(resolveRuns(config, "paper").map((r) => r.label), ["gq-2x8", "lfq-1x16"]);
  const cpu = resolveRuns(config, "cpu")[0].config;
  assertEquals(cpu.task === "train" && cpu.batchSize, 16);
});

Deno.test("mergeDeep replaces arrays and merges objects", () => {
  const merged = mergeDeep({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 });
  assertEquals(merged, { a: { b: 1, c: [3] }, d: 1, e: 2 });
});

Deno.test("loadExperimentConfig requires matching file name", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/other-name.json`, JSON.stringify(trainExperiment()));
  const err = await loadExperimentConfig(`${dir}/other-name.json`).catch((e) => e);
  assertEquals(err instanceof ConfigError && err.field, "name");
  await Deno.writeTextFile(`${dir}/broken.json`, "{ not json");
  const broken = await loadExperimentConfig(`${dir}/broken.json`).catch((e) => e);
  assertEquals(
    String(broken.message).startsWith(`invalid JSON in experiment config ${dir}/broken.json`),
    true,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseScale rejects unknown scales", () => {
  assertEquals(parseScale("cpu"), "cpu");
  assertThrows(
    () => parseScale("gpu"),
    Error,
    `invalid scale "gpu": expected one of smoke, cpu, paper`,
  );
});
