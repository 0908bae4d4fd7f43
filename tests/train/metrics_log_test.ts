import { assertEquals, assertRejects } from "@std/assert";
import { join } from "node:path";
import { MetricsLog, readMetrics } from "../../lib/train/metrics_log.ts";

Deno.test("MetricsLog truncate drops later and torn lines", async () => {
  const dir = await Deno.makeTempDir({ prefix: "metrics_" });
  const path = join(dir, "metrics.jsonl");
  const log = new MetricsLog(path);
  await log.truncate(null);
  for (const step of [1, 2, 3, 4]) await log.append({ step, loss: step / 10 });
  log.close();
  // A process killed mid-write leaves a line without its newline.
  await Deno.writeTextFile(path, '{"step":5,"lo', { append: true });
  assertEquals((await readMetrics(path)).map((r) => r.step), [1, 2, 3, 4]);
  await log.truncate(2);
  await log.append({ step: 3, loss: 0.5 });
  log.close();
  assertEquals(await readMetrics(path), [{ step: 1, loss: 0.1 }, { step: 2, loss: 0.2 }, {
    step: 3,
    loss: 0.5,
  }]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readMetrics rejects a corrupt middle line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "metrics_" });
  const path = join(dir, "metrics.jsonl");
  await Deno.writeTextFile(path, '{"step":1}\nnot json\n{"step":3}\n');
  await assertRejects(() => readMetrics(path), Error, "metrics.jsonl:2 is not valid JSON");
  assertEquals(await readMetrics(join(dir, "missing.jsonl")), []);
  await Deno.remove(dir, { recursive: true });
});
