import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import {
  machineInfo,
  parseExperimentConfig,
  resolveRuns,
  RESULT_SCHEMA,
  type RunFailure,
  type RunRecord,
  type RunResult,
} from "../../lib/experiment/mod.ts";
import {
  buildExperimentReport,
  checkPaperReferences,
  recordValue,
  reportLatex,
  reportMarkdown,
  SINGLE_SEED_CAVEAT,
} from "../../lib/report/mod.ts";
import { edit, trainExperiment } from "../experiment/_fixtures.ts";

const config = parseExperimentConfig(trainExperiment(), "test.json");

function done(
  label: string,
  seed: number,
  metrics: Record<string, number>,
  scale: "smoke" | "cpu" = "cpu",
): RunResult {
  const run = resolveRuns(config, scale).find((r) => r.label === label && r.seed === seed)!;
  return {
    schema: RESULT_SCHEMA,
    status: "done",
    experiment: config.name,
    label,
    scale,
    runId: `${label}-${seed}`.padEnd(16, "0"),
    codeVersion: "abc123",
    commit: "0123abc",
    seed,
    config: run.config,
    backend: "cpu",
    machine: machineInfo(),
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:01:00.000Z",
    wallSeconds: 60,
    metrics,
  };
}

function failed(label: string, unavailable: boolean): RunFailure {
  const { finishedAt: _f, metrics: _m, ...base } = done(label, 0, {});
  return {
    ...base,
    status: "failed",
    failedAt: "2026-01-01T00:01:00.000Z",
    error: "out of memory",
    unavailable,
  };
}

Deno.test("buildExperimentReport aggregates seeds", () => {
  const records: RunRecord[] = [
    done("gq-2x8", 0, { rfid: 1.0, psnr: 25 }),
    done("gq-2x8", 1, { rfid: 2.0, psnr: 26 }),
    done("lfq-1x16", 0, { rfid: 4.0, psnr: 22 }),
    done("lfq-1x16", 1, { rfid: 5.0, psnr: 23 }),
  ];
  const report = buildExperimentReport(config, "cpu", records);
  const values = report.tables[0];
  assertEquals(values.rows, [["gq-2x8", "rFID", "unknown", "1.5 ± 0.7071 (n=2)", "cpu"]]);
  const claims = report.tables[1];
  // Means 1.5 and 4.5, margin 2 * sqrt(0.25 + 0.25) = 1.41: GQ is better.
  assertEquals(claims.rows[0][4], "reproduced");
  assertEquals(claims.rows[0][2], "gq-2x8 1.5 ± 0.7071 (n=2), lfq-1x16 4.5 ± 0.7071 (n=2)");
});

Deno.test("buildExperimentReport detects a reversed claim", () => {
  const records = [
    done("gq-2x8", 0, { rfid: 3, psnr: 1 }),
    done("lfq-1x16", 0, { rfid: 1, psnr: 1 }),
  ];
  const report = buildExperimentReport(
    parseExperimentConfig(edit(trainExperiment(), (c) => (c.scales.cpu.seeds = [0])), "test.json"),
    "cpu",
    records,
  );
  assertEquals(report.tables[1].rows[0][4], "not reproduced");
});

Deno.test("buildExperimentReport explains missing numbers", () => {
  const report = buildExperimentReport(config, "cpu", [failed("gq-2x8", false)]);
  assertEquals(report.tables[0].rows[0][3], "failed: out of memory");
  const unavailable = buildExperimentReport(config, "cpu", [failed("gq-2x8", true)]);
  assertEquals(unavailable.tables[0].rows[0][3], "not available yet");
  const none = buildExperimentReport(config, "cpu", []);
  assertEquals(none.tables[0].rows[0][3], "not run");
  assertEquals(none.tables[1].rows[0][4], "inconclusive");
  assertEquals(none.figures, []);
  assertStringIncludes(
    none.notes.join("\n"),
    "Figure quantizer-rfid has no data yet at scale cpu.",
  );
});

Deno.test("buildExperimentReport ignores other scales", () => {
  const records = [done("gq-2x8", 0, { rfid: 1, psnr: 1 }, "smoke")];
  const report = buildExperimentReport(config, "cpu", records);
  assertEquals(report.tables[0].rows[0][3], "not run");
});

Deno.test("buildExperimentReport marks scales without claims", () => {
  const noClaims = parseExperimentConfig(
    edit(trainExperiment(), (c) => (c.scales.smoke.testsClaims = false)),
    "test.json",
  );
  const records = [
    done("gq-2x8", 0, { rfid: 1, psnr: 1 }, "smoke"),
    done("lfq-1x16", 0, { rfid: 5, psnr: 1 }, "smoke"),
  ];
  const row = buildExperimentReport(noClaims, "smoke", records).tables[1].rows[0];
  assertEquals(row[4], "inconclusive");
  assertStringIncludes(row[2]!, "scale smoke does not test claims");
});

Deno.test("buildExperimentReport builds bar figures", () => {
  const records = [
    done("gq-2x8", 0, { rfid: 1, psnr: 1 }),
    done("lfq-1x16", 0, { rfid: 5, psnr: 1 }),
  ];
  const figure = buildExperimentReport(config, "cpu", records).figures[0];
  assertEquals(figure.id, "quantizer-mini-quantizer-rfid");
  assertEquals(figure.traces[0].x, ["gq-2x8", "lfq-1x16"]);
  assertEquals(figure.traces[0].y, [1, 5]);
  assertEquals(figure.y.title, "rFID");
});

Deno.test("buildExperimentReport builds line and heatmap figures", () => {
  const lined = parseExperimentConfig(
    edit(trainExperiment(), (c) => {
      c.report.figures = [
        {
          id: "line",
          title: "L",
          kind: "line",
          metric: "psnr",
          x: "config.quantizer.groups",
          group: "config.quantizer.kind",
          xTitle: "g",
          yTitle: "PSNR",
        },
        {
          id: "heat",
          title: "H",
          kind: "heatmap",
          metric: "psnr",
          x: "config.quantizer.groups",
          y: "config.batchSize",
          xTitle: "g",
          yTitle: "batch",
        },
        {
          id: "series",
          title: "S",
          kind: "series",
          metric: "curve",
          xTitle: "round",
          yTitle: "PSNR",
        },
      ];
    }),
    "test.json",
  );
  const a = done("gq-2x8", 0, { psnr: 20 });
  const b = done("lfq-1x16", 0, { psnr: 22 });
  a.series = { curve: [1, 2, 3] };
  const report = buildExperimentReport(lined, "cpu", [a, b, {
    ...a,
    seed: 1,
    series: { curve: [3, 4, 5, 6] },
  }]);
  const [line, heat, series] = report.figures;
  assertEquals(line.traces.map((t) => [t.name, t.x, t.y]), [["gq", [2], [20]], ["lfq", [1], [22]]]);
  assertEquals(heat.traces[0].x, ["2", "1"]);
  assertEquals(heat.traces[0].z, [[20, 22]]);
  assertEquals(series.traces[0].y, [2, 3, 4]);
});

Deno.test("reportMarkdown links figures and notes", () => {
  const records = [
    done("gq-2x8", 0, { rfid: 1, psnr: 1 }),
    done("lfq-1x16", 0, { rfid: 5, psnr: 1 }),
  ];
  const report = buildExperimentReport(config, "cpu", records);
  const md = reportMarkdown(report, "A tiny comparison.", "figures");
  assertStringIncludes(md, "# Quantizer type at 16 bits\n\nA tiny comparison.\n");
  assertStringIncludes(md, "(figures/quantizer-mini-quantizer-rfid.html)");
  assertStringIncludes(md, "- Code version(s) of these results: abc123.");
  const tex = reportLatex(report);
  assertEquals(tex.match(/\\begin\{table\}/g)?.length, 3);
});

Deno.test("buildExperimentReport lists every measured metric", () => {
  const withPaper = parseExperimentConfig(
    edit(trainExperiment(), (c) => (c.report.values[0].paper = "zero-shot/rfid/cr24")),
    "test.json",
  );
  const records = [
    done("gq-2x8", 0, { psnr: 25, ssim: 0.5, usage: 0.25 }),
    done("lfq-1x16", 0, { psnr: 22, ssim: 0.25 }),
  ];
  const report = buildExperimentReport(withPaper, "cpu", records);
  const table = report.tables.find((t) => t.id === "quantizer-mini-metrics")!;
  assertEquals(table.columns.map((c) => c.header), [
    "Setting",
    "PSNR (dB)",
    "SSIM (7x7 uniform window)",
    "codebook usage (share of codes)",
    "Training time (min)",
    "Scale",
  ]);
  assertEquals(table.rows[0], ["gq-2x8", "25", "0.5", "0.25", "1", "cpu"]);
  assertEquals(table.rows[1], ["lfq-1x16", "22", "0.25", "not measured", "1", "cpu"]);
  assertStringIncludes(table.notes!.join(" "), "No run measured rFID.");
});

Deno.test("buildExperimentReport names both SSIM windows", () => {
  const labelled = parseExperimentConfig(
    edit(trainExperiment(), (c) => {
      c.report.metrics.push({ key: "ssim", label: "SSIM" }, { key: "usage", label: "usage" });
    }),
    "test.json",
  );
  const records = [done("gq-2x8", 0, { ssim: 0.5, usage: 0.25, ssimGaussian11: 0.75 })];
  const table = buildExperimentReport(labelled, "cpu", records).tables
    .find((t) => t.id === "quantizer-mini-metrics")!;
  const headers = table.columns.map((c) => c.header);
  const uniform = headers.indexOf("SSIM (7x7 uniform window)");
  const gaussian = headers.indexOf("SSIM (11x11 Gaussian window)");
  assert(uniform > 0, headers.join(" | "));
  assertEquals(gaussian, uniform + 1, headers.join(" | "));
  assertEquals(table.rows[0][uniform], "0.5");
  assertEquals(table.rows[0][gaussian], "0.75");
});

Deno.test("buildExperimentReport shows training minutes per run", () => {
  const trained = { ...done("gq-2x8", 0, { psnr: 25 }), wallSeconds: 90 };
  const source = { experiment: "other", label: "x", startedAt: "a", finishedAt: "b" };
  const copied = { ...done("lfq-1x16", 0, { psnr: 22 }), wallSeconds: 300, reusedFrom: source };
  const table = buildExperimentReport(config, "cpu", [trained, copied]).tables
    .find((t) => t.id === "quantizer-mini-metrics")!;
  const column = table.columns.findIndex((c) => c.header === "Training time (min)");
  assert(column > 0, "no training time column");
  assertEquals(table.rows[0][column], "1.5");
  assertEquals(table.rows[1][column], "5");
  assertStringIncludes(table.notes!.join(" "), "wall time of a run's last attempt");
});

Deno.test("buildExperimentReport averages training minutes over seeds", () => {
  const records = [
    { ...done("gq-2x8", 0, { psnr: 25 }), wallSeconds: 60 },
    { ...done("gq-2x8", 1, { psnr: 26 }), wallSeconds: 180 },
  ];
  const table = buildExperimentReport(config, "cpu", records).tables
    .find((t) => t.id === "quantizer-mini-metrics")!;
  const column = table.columns.findIndex((c) => c.header === "Training time (min)");
  assertEquals(table.rows[0][column], "2 ± 1.414 (n=2)");
  assertEquals(table.rows[1][column], "not run");
});

Deno.test("buildExperimentReport omits time of measurements", () => {
  const trained = done("gq-2x8", 0, { psnr: 25 });
  const measured = {
    ...done("lfq-1x16", 0, { psnr: 22 }),
    config: { ...trained.config, task: "entropy-memory" },
  } as RunResult;
  const table = buildExperimentReport(config, "cpu", [measured]).tables
    .find((t) => t.id === "quantizer-mini-metrics")!;
  const headers = table.columns.map((c) => c.header);
  assertEquals(headers.includes("Training time (min)"), false, headers.join(" | "));
});

Deno.test("buildExperimentReport shows known paper values", () => {
  const withPaper = parseExperimentConfig(
    edit(trainExperiment(), (c) => (c.report.values[0].paper = "zero-shot/rfid/cr24")),
    "test.json",
  );
  const records = [done("gq-2x8", 0, { rfid: 3, psnr: 25 }), done("lfq-1x16", 0, { rfid: 4 })];
  const table = buildExperimentReport(withPaper, "cpu", records).tables
    .find((t) => t.id === "quantizer-mini-metrics")!;
  assertEquals(table.rows[0][1], "3 (paper: 0.12 rFID)");
  assertEquals(table.rows[1][1], "4");
});

Deno.test("buildExperimentReport notes evaluated image counts", () => {
  const records = [
    done("gq-2x8", 0, { psnr: 25, evaluatedImages: 3 }),
    done("lfq-1x16", 0, { psnr: 22, evaluatedImages: 4 }),
  ];
  const report = buildExperimentReport(config, "cpu", records);
  assertStringIncludes(
    report.notes.join("\n"),
    "Evaluated 3 held-out images (4 requested, fewer exist in the photo set) (runs: gq-2x8).",
  );
  assertStringIncludes(report.notes.join("\n"), "Evaluated 4 held-out images (runs: lfq-1x16).");
});

Deno.test("buildExperimentReport marks untested claims", () => {
  const untested = parseExperimentConfig(
    edit(trainExperiment(), (c) => {
      c.report.claims[0].mapping = "gq-2x8 stands for the released shape";
      c.report.claims[0].untested = "no baseline here";
    }),
    "test.json",
  );
  const records = [done("gq-2x8", 0, { rfid: 1 }), done("lfq-1x16", 0, { rfid: 5 })];
  const claims = buildExperimentReport(untested, "cpu", records).tables[1];
  assertEquals(claims.rows[0][4], "not tested at this scale");
  assertEquals(
    claims.rows[0][5],
    "proxy only (no baseline here): gq-2x8 stands for the released shape. " +
      `rFID: gq-2x8 < lfq-1x16 (margin >= 0); ${SINGLE_SEED_CAVEAT}`,
  );
});

Deno.test("parseExperimentConfig rejects a non-string mapping", () => {
  assertThrows(
    () =>
      parseExperimentConfig(
        edit(trainExperiment(), (c) => (c.report.claims[0].mapping = 3)),
        "test.json",
      ),
    Error,
    "mapping",
  );
});

Deno.test("buildExperimentReport ticks log axes at data", () => {
  const logLine = parseExperimentConfig(
    edit(trainExperiment(), (c) => {
      c.report.figures[0] = {
        id: "rfid-bits",
        title: "rFID against bits",
        kind: "line",
        metric: "rfid",
        x: "config.quantizer.bits",
        group: "config.quantizer.kind",
        xTitle: "bits",
        yTitle: "rFID",
        xType: "log",
      };
    }),
    "test.json",
  );
  const lfq = done("lfq-1x16", 0, { rfid: 5 });
  lfq.config = edit(lfq.config, (c) => (c.quantizer.bits = 8));
  const records = [done("gq-2x8", 0, { rfid: 1 }), lfq];
  const figure = buildExperimentReport(logLine, "cpu", records).figures[0];
  assertEquals(figure.x.tickValues, [8, 16]);
});

Deno.test("checkPaperReferences rejects unknown keys", () => {
  const bad = parseExperimentConfig(
    edit(trainExperiment(), (c) => (c.report.values[0].paper = "made/up")),
    "test.json",
  );
  assertThrows(
    () => checkPaperReferences(bad),
    Error,
    `experiment quantizer-mini: unknown paper value "made/up"`,
  );
  const badClaim = parseExperimentConfig(
    edit(trainExperiment(), (c) => (c.report.claims[0].claim = "x")),
    "test.json",
  );
  assertThrows(() => checkPaperReferences(badClaim), Error, `unknown paper claim "x"`);
});

Deno.test("recordValue reads dotted paths", () => {
  assertEquals(recordValue({ config: { quantizer: { groups: 2 } } }, "config.quantizer.groups"), 2);
  assertEquals(recordValue({ config: 1 }, "config.quantizer"), undefined);
  assert(recordValue(undefined, "a") === undefined);
});
