import { assert, assertEquals } from "@std/assert";
import { loadExperimentConfig, resolveRuns, SCALES } from "../../lib/experiment/mod.ts";
import { checkPaperReferences } from "../../lib/report/mod.ts";

const dir = new URL("../../experiments/", import.meta.url).pathname;
const names: string[] = [];
for await (const entry of Deno.readDir(dir)) {
  if (entry.name.endsWith(".json") && !entry.name.startsWith("entropy-")) names.push(entry.name);
}
names.sort();

Deno.test("experiments configs parse at every scale", async () => {
  assert(names.length >= 9, `only ${names.length} experiment configs`);
  for (const name of names) {
    const config = await loadExperimentConfig(`${dir}${name}`);
    checkPaperReferences(config);
    for (const scale of SCALES) {
      assert(resolveRuns(config, scale).length > 0, `${name} has no run at scale ${scale}`);
    }
  }
});

Deno.test("experiments smoke scale stays small", async () => {
  for (const name of names) {
    const config = await loadExperimentConfig(`${dir}${name}`);
    for (const run of resolveRuns(config, "smoke")) {
      const c = run.config;
      if (c.task === "train") {
        assert(
          c.stages.stage1Steps + c.stages.stage2Steps <= 50,
          `${name}/${run.label}: too many smoke updates`,
        );
        assert(c.data.cropSize <= 32, `${name}/${run.label}: smoke crop ${c.data.cropSize}`);
      } else {
        assert(
          c.tokens * 2 ** (c.bits / c.groups) <= 2 ** 24,
          `${name}/${run.label}: smoke enumeration too large`,
        );
      }
    }
  }
});

Deno.test("experiments cover the published ablations", () => {
  assertEquals(names, [
    "architecture.json",
    "codebook-size.json",
    "compression-ratio.json",
    "encode-decode-stability.json",
    "generative-decoder.json",
    "group-count.json",
    "lr-schedule.json",
    "memory-vs-bits.json",
    // Not a published ablation: this repository's own question about the quantizer loss weights.
    "quantizer-loss-weights.json",
    "quantizer-type.json",
  ]);
});
