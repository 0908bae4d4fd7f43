/** Small experiment configs shared by the experiment tests. */

/** Builds a valid `train` experiment with two runs, each at every scale. */
export function trainExperiment(): Record<string, unknown> {
  return {
    name: "quantizer-mini",
    title: "Quantizer type at 16 bits",
    description: "A tiny quantizer comparison for tests.",
    defaults: {
      task: "train",
      quantizer: { kind: "gq", bits: 16, groups: 2, entropyMethod: "group-sum" },
      architecture: { ch: 32, chMult: [1, 2], numResBlocks: 1 },
      schedule: { kind: "constant", learningRate: 1e-4 },
      stages: { stage1Steps: 10, stage2Steps: 0 },
      data: { set: "ci", cropSize: 32, evalImages: 4 },
      batchSize: 2,
      seed: 0,
      eval: { metrics: ["psnr", "rfid"] },
    },
    scales: {
      smoke: { description: "seconds", seeds: [0] },
      cpu: { description: "minutes", seeds: [0, 1], overrides: { stages: { stage1Steps: 100 } } },
      paper: {
        description: "GPU days",
        seeds: [0],
        overrides: {
          architecture: { ch: 256, chMult: [1, 2, 2, 4], numResBlocks: 4 },
          data: { cropSize: 256 },
        },
      },
    },
    runs: [
      { label: "gq-2x8" },
      {
        label: "lfq-1x16",
        config: { quantizer: { kind: "lfq", groups: 1, entropyMethod: "exact" } },
      },
    ],
    report: {
      metrics: [{ key: "rfid", label: "rFID", better: "lower" }, {
        key: "psnr",
        label: "PSNR (dB)",
        better: "higher",
      }],
      values: [{ run: "gq-2x8", metric: "rfid", paper: "ablation/quantizer/rfid" }],
      claims: [{
        claim: "quantizer-order",
        criterion: {
          kind: "order",
          metric: "rfid",
          better: "lower",
          runs: ["gq-2x8", "lfq-1x16"],
          tolerance: 0,
        },
      }],
      figures: [{
        id: "quantizer-rfid",
        title: "rFID per quantizer",
        kind: "bar",
        metric: "rfid",
        xTitle: "quantizer",
        yTitle: "rFID",
      }],
    },
  };
}

/** Returns a deep copy of `value` with `update` applied to it. */
export function edit<T>(value: T, update: (copy: any) => void): T {
  const copy = structuredClone(value);
  update(copy);
  return copy;
}

/**
 * Builds a second `train` experiment whose run "g2" resolves to the same
 * config as "gq-2x8" of {@link trainExperiment} at every scale (same run id),
 * while "g4" differs in its group count.
 */
export function groupExperiment(): Record<string, unknown> {
  return edit(trainExperiment(), (config) => {
    config.name = "groups-mini";
    config.title = "Group count at 16 bits";
    config.runs = [{ label: "g2" }, { label: "g4", config: { quantizer: { groups: 4 } } }];
    config.report.values = [{ run: "g2", metric: "rfid", paper: "ablation/quantizer/rfid" }];
    config.report.claims[0].criterion.runs = ["g2", "g4"];
  });
}
