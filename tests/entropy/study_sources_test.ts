/** Seeded latent sources of the entropy study and their logits. */
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { Rng } from "../../lib/engine/mod.ts";
import {
  drawLatents,
  latentLogits,
  latentsFromArray,
  sampleCorrelation,
} from "../../lib/entropy/latent_sources.ts";

Deno.test("drawLatents repeats with the same seed", () => {
  const source = { kind: "mixture", clusters: 4 } as const;
  assertEquals(drawLatents(source, 10, 6, new Rng(9)).data, drawLatents(source, 10, 6, new Rng(9)).data);
});

Deno.test("drawLatents correlated source has requested correlation", () => {
  const latents = drawLatents({ kind: "correlated", correlation: 0.7, blockSize: 2 }, 20000, 4, new Rng(3));
  assertAlmostEquals(sampleCorrelation(latents, 0, 1), 0.7, 0.03);
  assertAlmostEquals(sampleCorrelation(latents, 2, 3), 0.7, 0.03);
  assertAlmostEquals(sampleCorrelation(latents, 1, 2), 0, 0.03);
});

Deno.test("drawLatents factorial source is a Cartesian product", () => {
  const latents = drawLatents({ kind: "factorial" }, 8, 5, new Rng(3));
  const rows = new Set<string>();
  for (let t = 0; t < 8; t++) rows.add(Array.from(latents.data.subarray(t * 5, t * 5 + 3)).join(","));
  assertEquals(rows.size, 8);
  for (let t = 1; t < 8; t++) assertEquals(latents.data[t * 5 + 4], latents.data[4]);
});

Deno.test("drawLatents factorial source repeats the product", () => {
  const latents = drawLatents({ kind: "factorial" }, 12, 2, new Rng(3));
  const counts = new Map<string, number>();
  for (let t = 0; t < 12; t++) {
    const key = Array.from(latents.data.subarray(t * 2, t * 2 + 2)).join(",");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assertEquals([...counts.values()], [3, 3, 3, 3]);
});

Deno.test("drawLatents rejects invalid parameters", () => {
  const rng = new Rng(1);
  assertThrows(() => drawLatents({ kind: "factorial" }, 6, 4, rng), RangeError, "power of two");
  assertThrows(() => drawLatents({ kind: "correlated", correlation: 1 }, 4, 4, rng), RangeError, "[0, 1)");
  assertThrows(
    () => drawLatents({ kind: "correlated", correlation: 0.5, blockSize: 3 }, 4, 4, rng),
    RangeError,
    "positive divisor of 4",
  );
  assertThrows(() => drawLatents({ kind: "mixture", clusters: 0 }, 4, 4, rng), RangeError, "cluster count 0");
  assertThrows(() => drawLatents({ kind: "independent" }, 0, 4, rng), RangeError, "token count 0");
});

Deno.test("latentsFromArray checks size and values", () => {
  assertEquals(latentsFromArray([1, 2, 3, 4], 2, 2).data, new Float64Array([1, 2, 3, 4]));
  assertThrows(() => latentsFromArray([1, 2, 3], 2, 2), RangeError, "reshape the encoder output");
  assertThrows(() => latentsFromArray([1, NaN, 3, 4], 2, 2), RangeError, "index 1 is not finite");
});

Deno.test("latentLogits scales by four over tau", () => {
  const logits = latentLogits(latentsFromArray([0.5, -0.25], 1, 2), 0.01);
  assertEquals(Array.from(logits.data), [200, -100]);
  assertThrows(() => latentLogits(latentsFromArray([1], 1, 1), 0), RangeError, "temperature 0");
});

Deno.test("drawLatents file source reads float32 rows", async () => {
  const path = await Deno.makeTempFile({ suffix: ".f32" });
  try {
    const rows = new Float32Array([0.5, -1, 2, 0.25, -0.75, 3]);
    await Deno.writeFile(path, new Uint8Array(rows.buffer));
    const source = { kind: "file", path, bits: 2 } as const;
    const all = drawLatents(source, 3, 2, new Rng(1));
    assertEquals(Array.from(all.data), [0.5, -1, 2, 0.25, -0.75, 3]);
    const subset = drawLatents(source, 2, 2, new Rng(1));
    const fileRows = ["0.5,-1", "2,0.25", "-0.75,3"];
    for (let t = 0; t < 2; t++) {
      const row = Array.from(subset.data.subarray(2 * t, 2 * t + 2)).join(",");
      assert(fileRows.includes(row), `row ${row} is not a row of the file`);
    }
    assertThrows(() => drawLatents(source, 4, 2, new Rng(1)), RangeError, "fewer than the 4 tokens");
    assertThrows(() => drawLatents(source, 1, 3, new Rng(1)), RangeError, "use the file only in sweeps at d = 2");
    assertThrows(() => drawLatents({ ...source, bits: 4 }, 1, 4, new Rng(1)), RangeError, "not a multiple of 16");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("drawLatents file source names missing file", () => {
  assertThrows(
    () => drawLatents({ kind: "file", path: "/nonexistent/latents.f32", bits: 2 }, 1, 2, new Rng(1)),
    Error,
    "failed to read latents from /nonexistent/latents.f32",
  );
});
