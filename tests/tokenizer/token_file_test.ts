import { assertEquals, assertThrows } from "@std/assert";
import type { CodeIndices } from "../../lib/quantize/mod.ts";
import { decodeIndices, encodeIndices, indexDtype } from "../../lib/tokenizer/mod.ts";

Deno.test("indexDtype picks the smallest width", () => {
  assertEquals(indexDtype(2n), "uint8");
  assertEquals(indexDtype(256n), "uint8");
  assertEquals(indexDtype(257n), "uint16");
  assertEquals(indexDtype(65536n), "uint16");
  assertEquals(indexDtype(2n ** 32n), "uint32");
  assertEquals(indexDtype(2n ** 33n), "uint64");
  assertEquals(indexDtype(2n ** 64n), "uint64");
  assertThrows(() => indexDtype(2n ** 65n), RangeError, "65 bits");
});

Deno.test("encodeIndices writes little-endian uint16", () => {
  const indices: CodeIndices = {
    shape: [1, 1, 2],
    groups: 1,
    groupSize: 4096n,
    values: new Float64Array([0x0102, 0x0fff]),
  };
  assertEquals(Array.from(encodeIndices(indices)), [0x02, 0x01, 0xff, 0x0f]);
});

Deno.test("decodeIndices round-trips every width", () => {
  const cases: [bigint, number[]][] = [
    [256n, [0, 1, 128, 255]],
    [4096n, [0, 1, 2048, 4095]],
    [2n ** 32n, [0, 1, 2 ** 31, 2 ** 32 - 1]],
    [2n ** 48n, [0, 1, 2 ** 47, 2 ** 48 - 1]],
  ];
  for (const [groupSize, list] of cases) {
    const indices: CodeIndices = {
      shape: [1, 2, 1],
      groups: 2,
      groupSize,
      values: new Float64Array(list),
    };
    const back = decodeIndices(encodeIndices(indices), [1, 2, 1, 2], groupSize);
    assertEquals(Array.from(back.values as Float64Array), list, `group size ${groupSize}`);
    assertEquals(back.shape, [1, 2, 1]);
    assertEquals(back.groups, 2);
  }
});

Deno.test("decodeIndices keeps 64-bit indices as bigints", () => {
  // LFQ with d = 64 packs one 64-bit index per token, beyond the 2^53 of a float64.
  const values = [0n, 2n ** 64n - 1n, 2n ** 53n + 1n];
  const indices: CodeIndices = { shape: [1, 1, 3], groups: 1, groupSize: 2n ** 64n, values };
  const back = decodeIndices(encodeIndices(indices), [1, 1, 3, 1], 2n ** 64n);
  assertEquals(back.values, values);
});

Deno.test("decodeIndices rejects a wrong byte count", () => {
  assertThrows(
    () => decodeIndices(new Uint8Array(5), [1, 2, 2, 1], 256n),
    RangeError,
    "has 5 bytes, expected 4 uint8 indices",
  );
});
