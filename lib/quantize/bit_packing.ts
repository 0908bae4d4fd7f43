/**
 * Exact packing of bits and mixed-radix digits into integer code indices.
 *
 * Bit order: `lsb-first` puts bit `j` of a code at weight `2^j`, the order of
 * the official WeTok code (`index = sum_j 2^j bit_j`); `msb-first` puts it at
 * `2^(w-1-j)`. Packing multiplies by powers of two and uses no 32-bit
 * bitwise operators, so a `number` index is exact for widths up to 53 bits.
 * The `BigInt` variants are exact for every width.
 *
 * Bits follow signs: a latent value `u > 0` gives bit 1 (code +1), and
 * `u <= 0`, zero included, gives bit 0 (code -1).
 */

/** Order of the bits inside an index; `lsb-first` is the official WeTok order. */
export type BitOrder = "lsb-first" | "msb-first";

/** Widest index, in bits, that a float64 `number` represents exactly (2^53). */
export const MAX_EXACT_BITS = 53;

const POWERS_OF_TWO = Array.from({ length: MAX_EXACT_BITS + 1 }, (_, j) => 2 ** j);

function checkWidth(width: number, max: number, name: string): void {
  if (!Number.isInteger(width) || width < 1 || width > max) {
    const fix = max === MAX_EXACT_BITS ? `; use ${name}BigInt above ${MAX_EXACT_BITS} bits` : "";
    throw new RangeError(
      `${name}: invalid width ${width}: expected an integer in [1, ${max}]${fix}`,
    );
  }
}

function checkBit(bit: number, j: number, name: string): void {
  if (bit !== 0 && bit !== 1) throw new RangeError(`${name}: bit ${j} is ${bit}, expected 0 or 1`);
}

/** Returns the bit of a latent value: 1 when `u > 0`, else 0 (zero maps to code -1). */
export function bitOfValue(u: number): 0 | 1 {
  return u > 0 ? 1 : 0;
}

/**
 * Packs bits (each 0 or 1) into an index, exact up to 53 bits.
 *
 * @param bits `w` bits, `bits[0]` first in the chosen order.
 * @param order bit order (default `lsb-first`, the official WeTok order).
 * @throws RangeError for more than 53 bits (use {@link packBitsBigInt}) or a non-binary value.
 */
export function packBits(bits: ArrayLike<number>, order: BitOrder = "lsb-first"): number {
  const width = bits.length;
  checkWidth(width, MAX_EXACT_BITS, "packBits");
  let index = 0;
  for (let j = 0; j < width; j++) {
    checkBit(bits[j], j, "packBits");
    if (bits[j] === 1) index += POWERS_OF_TWO[order === "lsb-first" ? j : width - 1 - j];
  }
  return index;
}

/** Packs bits into a `bigint` index, exact for every width; see {@link packBits}. */
export function packBitsBigInt(bits: ArrayLike<number>, order: BitOrder = "lsb-first"): bigint {
  const width = bits.length;
  checkWidth(width, Number.MAX_SAFE_INTEGER, "packBitsBigInt");
  let index = 0n;
  for (let j = 0; j < width; j++) {
    const k = order === "lsb-first" ? width - 1 - j : j;
    checkBit(bits[k], k, "packBitsBigInt");
    index = index * 2n + BigInt(bits[k]);
  }
  return index;
}

/**
 * Unpacks an index into `width` bits, exact up to 53 bits.
 *
 * @throws RangeError unless `index` is an integer in `[0, 2^width)`.
 */
export function unpackBits(
  index: number,
  width: number,
  order: BitOrder = "lsb-first",
): Uint8Array {
  checkWidth(width, MAX_EXACT_BITS, "unpackBits");
  if (!Number.isInteger(index) || index < 0 || index >= POWERS_OF_TWO[width]) {
    throw new RangeError(
      `unpackBits: invalid index ${index}: expected an integer in [0, 2^${width})`,
    );
  }
  const bits = new Uint8Array(width);
  let rest = index;
  for (let j = 0; j < width; j++) {
    const bit = rest % 2;
    bits[order === "lsb-first" ? j : width - 1 - j] = bit;
    rest = (rest - bit) / 2;
  }
  return bits;
}

/** Unpacks a `bigint` index into `width` bits; see {@link unpackBits}. */
export function unpackBitsBigInt(
  index: bigint,
  width: number,
  order: BitOrder = "lsb-first",
): Uint8Array {
  checkWidth(width, Number.MAX_SAFE_INTEGER, "unpackBitsBigInt");
  if (index < 0n || index >= 1n << BigInt(width)) {
    throw new RangeError(
      `unpackBitsBigInt: invalid index ${index}: expected an integer in [0, 2^${width})`,
    );
  }
  const bits = new Uint8Array(width);
  let rest = index;
  for (let j = 0; j < width; j++) {
    bits[order === "lsb-first" ? j : width - 1 - j] = Number(rest & 1n);
    rest >>= 1n;
  }
  return bits;
}

/**
 * Converts an index between `lsb-first` and `msb-first` order by reversing
 * its `width` bits; applying it twice returns the input.
 */
export function reverseBitOrder(index: number, width: number): number {
  return packBits(unpackBits(index, width, "lsb-first"), "msb-first");
}

/** Converts a `bigint` index between bit orders; see {@link reverseBitOrder}. */
export function reverseBitOrderBigInt(index: bigint, width: number): bigint {
  return packBitsBigInt(unpackBitsBigInt(index, width, "lsb-first"), "msb-first");
}

/**
 * Checks mixed radices (each an integer >= 2) and returns the size of the
 * code space they span, `prod_j radices[j]`, as a `bigint`.
 */
export function codeSpaceSize(radices: readonly number[]): bigint {
  let size = 1n;
  radices.forEach((radix, j) => {
    if (!Number.isInteger(radix) || radix < 2) {
      throw new RangeError(
        `invalid radix ${radix} at digit ${j}: expected an integer of at least 2`,
      );
    }
    size *= BigInt(radix);
  });
  return size;
}

/**
 * Packs mixed-radix digits into an index, the first digit least significant:
 * `index = d_0 + r_0 (d_1 + r_1 (d_2 + ...))`. With all radices 2 this is
 * {@link packBits} in `lsb-first` order.
 *
 * @throws RangeError when a digit is outside `[0, radix)` or the code space exceeds 2^53.
 */
export function packDigits(digits: ArrayLike<number>, radices: readonly number[]): number {
  if (codeSpaceSize(radices) > 2n ** 53n) {
    throw new RangeError(
      `packDigits: the code space of radices [${radices}] exceeds 2^53; use packDigitsBigInt`,
    );
  }
  checkDigitCount(digits, radices, "packDigits");
  let index = 0;
  for (let j = radices.length - 1; j >= 0; j--) {
    checkDigit(digits[j], radices[j], j, "packDigits");
    index = index * radices[j] + digits[j];
  }
  return index;
}

/** Packs mixed-radix digits into a `bigint` index, exact for every size; see {@link packDigits}. */
export function packDigitsBigInt(digits: ArrayLike<number>, radices: readonly number[]): bigint {
  codeSpaceSize(radices);
  checkDigitCount(digits, radices, "packDigitsBigInt");
  let index = 0n;
  for (let j = radices.length - 1; j >= 0; j--) {
    checkDigit(digits[j], radices[j], j, "packDigitsBigInt");
    index = index * BigInt(radices[j]) + BigInt(digits[j]);
  }
  return index;
}

/**
 * Unpacks an index (a `number` up to 2^53 or a `bigint`) into mixed-radix
 * digits, the first digit least significant.
 *
 * @throws RangeError unless `index` is an integer in `[0, prod radices)`.
 */
export function unpackDigits(index: number | bigint, radices: readonly number[]): Int32Array {
  const size = codeSpaceSize(radices);
  const digits = new Int32Array(radices.length);
  if (typeof index === "number") {
    if (!Number.isSafeInteger(index) || index < 0 || BigInt(index) >= size) {
      throw new RangeError(
        `unpackDigits: invalid index ${index}: expected an integer in [0, ${size})`,
      );
    }
    let rest = index;
    for (let j = 0; j < radices.length; j++) {
      const digit = rest % radices[j];
      digits[j] = digit;
      rest = (rest - digit) / radices[j];
    }
    return digits;
  }
  if (index < 0n || index >= size) {
    throw new RangeError(
      `unpackDigits: invalid index ${index}: expected an integer in [0, ${size})`,
    );
  }
  let rest = index;
  for (let j = 0; j < radices.length; j++) {
    const radix = BigInt(radices[j]);
    digits[j] = Number(rest % radix);
    rest /= radix;
  }
  return digits;
}

function checkDigitCount(
  digits: ArrayLike<number>,
  radices: readonly number[],
  name: string,
): void {
  if (digits.length !== radices.length) {
    throw new RangeError(`${name}: got ${digits.length} digits for ${radices.length} radices`);
  }
}

function checkDigit(digit: number, radix: number, j: number, name: string): void {
  if (!Number.isInteger(digit) || digit < 0 || digit >= radix) {
    throw new RangeError(`${name}: digit ${j} is ${digit}, expected an integer in [0, ${radix})`);
  }
}
