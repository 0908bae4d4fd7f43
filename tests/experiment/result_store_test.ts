import { assertEquals, assertRejects } from "@std/assert";
import {
  machineInfo,
  RESULT_SCHEMA,
  ResultStore,
  type RunResult,
} from "../../lib/experiment/mod.ts";

function result(overrides: Partial<RunResult> = {}): RunResult {
  return {
    schema: RESULT_SCHEMA,
    status: "done",
    experiment: "demo",
    label: "gq-2x8",
    scale: "smoke",
    runId: "0123456789abcdef",
    codeVersion: "abc",
    commit: "0123abc",
    seed: 0,
    config: {
      task: "entropy-memory",
      method: "exact",
      bits: 8,
      groups: 1,
      tokens: 16,
      maxBytes: 1024,
      repeats: 1,
      seed: 0,
    },
    backend: "cpu",
    machine: machineInfo(),
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:01.000Z",
    wallSeconds: 1,
    metrics: { rfid: 1.5 },
    ...overrides,
  };
}

Deno.test("ResultStore writes leave no temp files", async () => {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  const path = await store.writeResult(result());
  await store.writeResult(result({ metrics: { rfid: 2 } }));
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${root}/demo`)) names.push(entry.name);
  assertEquals(names, ["gq-2x8.0123456789abcdef.json"]);
  assertEquals(path, `${root}/demo/gq-2x8.0123456789abcdef.json`);
  assertEquals((await store.readResult(result()))?.metrics.rfid, 2);
  await Deno.remove(root, { recursive: true });
});

Deno.test("ResultStore keeps the old record on failure", async () => {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  await store.writeResult(result());
  // BigInt cannot be serialised, so the write fails before touching the file.
  const broken = result({ metrics: { rfid: 10n as unknown as number } });
  await assertRejects(() => store.writeResult(broken), TypeError);
  assertEquals((await store.readResult(result()))?.metrics.rfid, 1.5);
  await Deno.remove(root, { recursive: true });
});

Deno.test("ResultStore rejects foreign records", async () => {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  const path = await store.writeResult(result());
  await Deno.writeTextFile(path, JSON.stringify({ ...result(), runId: "ffffffffffffffff" }));
  await assertRejects(
    () => store.readResult(result()),
    Error,
    "is not a finished record of run gq-2x8.0123456789abcdef",
  );
  await Deno.writeTextFile(path, "{");
  await assertRejects(() => store.readResult(result()), Error, "invalid JSON in run record");
  await Deno.writeTextFile(path, JSON.stringify({ ...result(), schema: 0 }));
  await assertRejects(() => store.readResult(result()), Error, "has schema 0, expected 1");
  await Deno.remove(root, { recursive: true });
});

Deno.test("ResultStore latest picks newest per seed", async () => {
  const root = await Deno.makeTempDir();
  const store = new ResultStore(root);
  await store.writeResult(result());
  await store.writeResult(
    result({
      runId: "1111111111111111",
      startedAt: "2026-02-01T00:00:00.000Z",
      metrics: { rfid: 3 },
    }),
  );
  await store.writeResult(result({ runId: "2222222222222222", seed: 1, metrics: { rfid: 4 } }));
  await store.writeResult(
    result({ runId: "3333333333333333", scale: "cpu", startedAt: "2026-03-01T00:00:00.000Z" }),
  );
  const latest = await store.latest("demo", "smoke");
  assertEquals(latest.map((r) => r.runId).sort(), ["1111111111111111", "2222222222222222"]);
  assertEquals(await store.list("missing"), []);
  await Deno.remove(root, { recursive: true });
});
