import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { join } from "node:path";
import {
  checkpointFileName,
  decodeCheckpoint,
  encodeCheckpoint,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  resolveCheckpointFile,
  saveCheckpoint,
} from "../../lib/train/checkpoint.ts";

function sample(step: number) {
  return {
    step,
    config: { name: "x", lr: 1e-4 },
    meta: { stage: 2, rng: { words: [1, 2, 3, 4294967295], spareNormal: -0.1 } },
    tensors: {
      "model/a": { shape: [2, 3], values: new Float32Array([0, -0, 1.5, -2.25, 3e-38, 1e30]) },
      "model/b": { shape: [], values: new Float32Array([Math.PI]) },
      "model/count": { shape: [1], values: new Int32Array([-7]) },
    },
  };
}

Deno.test("encodeCheckpoint round-trips bit-exactly", () => {
  const data = sample(12);
  const back = decodeCheckpoint(encodeCheckpoint(data));
  assertEquals(back.step, 12);
  assertEquals(back.config, data.config);
  assertEquals(back.meta, data.meta);
  for (const [key, tensor] of Object.entries(data.tensors)) {
    assertEquals(back.tensors[key].shape, tensor.shape);
    assertEquals(back.tensors[key].values.constructor, tensor.values.constructor);
    assertEquals(
      new Uint8Array(back.tensors[key].values.buffer),
      new Uint8Array(tensor.values.buffer),
    );
  }
});

Deno.test("decodeCheckpoint rejects truncated bytes", () => {
  const bytes = encodeCheckpoint(sample(1));
  assertThrows(
    () => decodeCheckpoint(bytes.subarray(0, bytes.length - 1), "c.wtk"),
    Error,
    "c.wtk is truncated",
  );
  assertThrows(
    () => decodeCheckpoint(new TextEncoder().encode("hello world!"), "c.wtk"),
    Error,
    "not a WeTok checkpoint",
  );
});

Deno.test("encodeCheckpoint rejects shape mismatch", () => {
  const data = sample(1);
  data.tensors["model/a"].shape = [4];
  assertThrows(
    () => encodeCheckpoint(data),
    RangeError,
    '"model/a" has shape [4] (4 values) but 6 values',
  );
});

Deno.test("checkpointFileName pads the step", () => {
  assertEquals(checkpointFileName(42), "ckpt-00000042.wtk");
  assertThrows(() => checkpointFileName(-1), RangeError, "got -1");
});

Deno.test("saveCheckpoint keeps the newest K", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ckpt_keep_" });
  // A temporary file left by a killed write (another pid) is removed by the next save.
  await Deno.writeTextFile(join(dir, ".ckpt-00000001.wtk.999999.abcd.tmp"), "torn");
  for (const step of [1, 5, 9, 13]) await saveCheckpoint(dir, sample(step), 2);
  assertEquals((await listCheckpoints(dir)).map((c) => c.step), [9, 13]);
  const names = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  assertEquals(names.sort(), ["ckpt-00000009.wtk", "ckpt-00000013.wtk"]);
  const latest = await latestCheckpoint(dir);
  assertEquals(latest?.step, 13);
  assertEquals((await loadCheckpoint(latest!.path)).meta, sample(13).meta);
  await assertRejects(
    () => saveCheckpoint(dir, sample(14), 0),
    RangeError,
    "keep must be an integer >= 1",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("listCheckpoints of missing folder is empty", async () => {
  assertEquals(await listCheckpoints("/nonexistent/wetok/run"), []);
  assertEquals(await latestCheckpoint("/nonexistent/wetok/run"), null);
});

Deno.test("resolveCheckpointFile picks newest in folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ckpt_resolve_" });
  try {
    for (const step of [3, 12]) await saveCheckpoint(dir, sample(step), 5);
    assertEquals(await resolveCheckpointFile(dir), join(dir, checkpointFileName(12)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveCheckpointFile returns a file path unchanged", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ckpt_resolve_" });
  try {
    const older = await saveCheckpoint(dir, sample(3), 5);
    await saveCheckpoint(dir, sample(12), 5);
    assertEquals(await resolveCheckpointFile(older), older);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveCheckpointFile rejects a missing path", async () => {
  await assertRejects(
    () => resolveCheckpointFile("/nonexistent/wetok/run"),
    Error,
    "checkpoint /nonexistent/wetok/run not found",
  );
});

Deno.test("resolveCheckpointFile rejects an empty folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ckpt_resolve_" });
  try {
    await assertRejects(() => resolveCheckpointFile(dir), Error, `no checkpoint found in ${dir}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
