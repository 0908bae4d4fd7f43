import { assertEquals } from "@std/assert";
import { initBackend } from "../../lib/engine/mod.ts";
import { readMetrics } from "../../lib/train/metrics_log.ts";
import { runStreams, Trainer } from "../../lib/train/trainer.ts";
import { tinyComponents } from "./_tiny.ts";
import { tinyConfig } from "./_tiny_config.ts";

await initBackend("wasm", { announce: false });

const LOSS_KEYS = [
  "reconstruction",
  "quantizer.commitment",
  "generatorAdversarial",
  "discriminator.hinge",
  "discriminator.lecam",
  "total",
];

function components(seed: number) {
  const streams = runStreams(seed);
  return tinyComponents(streams.init, streams.discriminatorInit);
}

Deno.test("Trainer resume on wasm repeats losses", async () => {
  const config = tinyConfig();
  const whole = await Deno.makeTempDir({ prefix: "wasm_whole_" });
  const a = await Trainer.create(config, components(config.seed), { runDir: whole });
  await a.run();
  a.dispose();

  const parts = await Deno.makeTempDir({ prefix: "wasm_parts_" });
  for (const stop of [8, 27, 30]) {
    const t = await Trainer.create(config, components(config.seed), { runDir: parts });
    await t.run(stop);
    t.dispose();
  }
  const expected = await readMetrics(`${whole}/metrics.jsonl`);
  const got = await readMetrics(`${parts}/metrics.jsonl`);
  assertEquals(got.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    for (const key of LOSS_KEYS) {
      assertEquals(got[i][key], expected[i][key], `step ${i + 1} ${key}`);
    }
  }
  await Deno.remove(whole, { recursive: true });
  await Deno.remove(parts, { recursive: true });
});
