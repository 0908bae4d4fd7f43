/**
 * Bit and digit packing against an independent reference: BigInt parsing of
 * the binary string of the bits.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { Rng } from "../../lib/engine/mod.ts";
import {
  bitOfValue,
  codeSpaceSize,
  jointIndices,
  MAX_EXACT_BITS,
  packBits,
  packBitsBigInt,
  packDigits,
  packDigitsBigInt,
  packGroupIndices,
  reverseBitOrder,
  reverseBitOrderBigInt,
  unpackBits,
  unpackBitsBigInt,
  unpackDigits,
  unpackGroupIndices,
} from "../../lib/quantize/mod.ts";

const WIDTHS = [1, 8, 31, 32, 40, 53, 64];

/** Reference index of lsb-first bits: the binary string with bit 0 written last. */
function referenceIndex(bits: ArrayLike<number>): bigint {
  return BigInt("0b" + Array.from(bits).reverse().join(""));
}

/** Random, all-zero and all-one bit patterns of `width` bits. */
function patterns(rng: Rng, width: number): Uint8Array[] {
  const random = Array.from(
    { length: 4 },
    () => Uint8Array.from({ length: width }, () => rng.int(2)),
  );
  return [new Uint8Array(width), new Uint8Array(width).fill(1), ...random];
}

Deno.test("packBits matches binary-string reference", () => {
  const rng = new Rng(71);
  for (const width of WIDTHS) {
    for (const bits of patterns(rng, width)) {
      const expected = referenceIndex(bits);
      assertEquals(packBitsBigInt(bits), expected, `bigint, width ${width}`);
      assertEquals(
        packBitsBigInt(bits, "msb-first"),
        BigInt("0b" + bits.join("")),
        `bigint msb-first, width ${width}`,
      );
      if (width <= MAX_EXACT_BITS) {
        assertEquals(BigInt(packBits(bits)), expected, `number, width ${width}`);
      }
    }
  }
});

Deno.test("packBits round-trips every width", () => {
  const rng = new Rng(72);
  for (const width of WIDTHS) {
    for (const bits of patterns(rng, width)) {
      assertEquals(
        unpackBitsBigInt(packBitsBigInt(bits), width),
        bits,
        `bigint lsb-first, width ${width}`,
      );
      assertEquals(
        unpackBitsBigInt(packBitsBigInt(bits, "msb-first"), width, "msb-first"),
        bits,
        `bigint msb-first, width ${width}`,
      );
      if (width > MAX_EXACT_BITS) continue;
      assertEquals(unpackBits(packBits(bits), width), bits, `number lsb-first, width ${width}`);
      assertEquals(
        unpackBits(packBits(bits, "msb-first"), width, "msb-first"),
        bits,
        `number msb-first, width ${width}`,
      );
    }
  }
});

Deno.test("packBits all ones at 53 bits", () => {
  assertEquals(packBits(new Uint8Array(53).fill(1)), Number.MAX_SAFE_INTEGER);
  assertEquals(packBitsBigInt(new Uint8Array(64).fill(1)), 2n ** 64n - 1n);
});

Deno.test("reverseBitOrder converts between orders", () => {
  const rng = new Rng(73);
  for (const width of WIDTHS) {
    for (const bits of patterns(rng, width)) {
      const lsb = packBitsBigInt(bits);
      const msb = packBitsBigInt(bits, "msb-first");
      assertEquals(reverseBitOrderBigInt(lsb, width), msb, `bigint, width ${width}`);
      assertEquals(reverseBitOrderBigInt(msb, width), lsb, `bigint inverse, width ${width}`);
      if (width <= MAX_EXACT_BITS) {
        assertEquals(reverseBitOrder(Number(lsb), width), Number(msb), `number, width ${width}`);
      }
    }
  }
  // One set bit moves from weight 2^0 to 2^(w-1).
  assertEquals(reverseBitOrder(1, 40), 2 ** 39);
});

Deno.test("bitOfValue maps zero to bit 0", () => {
  assertEquals(bitOfValue(0), 0);
  assertEquals(bitOfValue(-0), 0);
  assertEquals(bitOfValue(-1e-30), 0);
  assertEquals(bitOfValue(Number.MIN_VALUE), 1);
  assertEquals(bitOfValue(2), 1);
});

Deno.test("packBits rejects bad input", () => {
  assertThrows(() => packBits(new Uint8Array(54)), RangeError, "invalid width 54");
  assertThrows(() => packBits(new Uint8Array(54)), RangeError, "packBitsBigInt");
  assertThrows(() => packBits([0, 2, 1]), RangeError, "bit 1 is 2");
  assertThrows(() => unpackBits(256, 8), RangeError, "invalid index 256");
  assertThrows(() => unpackBits(1.5, 8), RangeError, "invalid index 1.5");
  assertThrows(() => unpackBitsBigInt(-1n, 8), RangeError, "invalid index -1");
});

Deno.test("packDigits round-trips FSQ levels", () => {
  const radices = [8, 8, 8, 5, 5, 5];
  assertEquals(codeSpaceSize(radices), 64000n);
  for (let index = 0; index < 64000; index++) {
    const digits = unpackDigits(index, radices);
    // Independent check of the first digit and of the mixed-radix weights.
    assertEquals(digits[0], index % 8);
    assertEquals(
      digits[0] + 8 * digits[1] + 64 * digits[2] + 512 * digits[3] + 2560 * digits[4] +
        12800 * digits[5],
      index,
    );
    assertEquals(packDigits(digits, radices), index);
  }
});

Deno.test("packDigitsBigInt is exact above 2^53", () => {
  const radices = [...new Array(20).fill(7), 3, 3, 3];
  const size = codeSpaceSize(radices);
  assert(size > 2n ** 53n);
  for (const index of [0n, 1n, size - 1n, size / 3n, 2n ** 53n + 1n]) {
    assertEquals(packDigitsBigInt(unpackDigits(index, radices), radices), index);
  }
  assertThrows(() => packDigits(new Array(23).fill(0), radices), RangeError, "exceeds 2^53");
  assertThrows(() => codeSpaceSize([8, 1]), RangeError, "invalid radix 1 at digit 1");
});

Deno.test("jointIndices equals packing all bits", () => {
  const rng = new Rng(74);
  for (const [groups, width] of [[4, 8], [8, 8], [2, 32], [1, 53]]) {
    const bitsPerToken = groups * width;
    const tokens = 5;
    const bits = Uint8Array.from({ length: tokens * bitsPerToken }, () => rng.int(2));
    bits.fill(1, 0, bitsPerToken); // first token all ones
    const radices = new Array(bitsPerToken).fill(2);
    const indices = packGroupIndices(bits, [1, 1, tokens], radices, groups);
    const joint = jointIndices(indices);
    for (let t = 0; t < tokens; t++) {
      const expected = referenceIndex(bits.subarray(t * bitsPerToken, (t + 1) * bitsPerToken));
      assertEquals(BigInt(joint[t]), expected, `${groups} x ${width} bits, token ${t}`);
    }
    assertEquals(
      unpackGroupIndices(indices, radices),
      Int32Array.from(bits),
      `unpack ${groups} x ${width}`,
    );
  }
});
