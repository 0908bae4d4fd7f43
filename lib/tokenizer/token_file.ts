/**
 * Token files: a JSON header (`NAME.tokens.json`) with the shape `[B, h, w, g]`,
 * bit order and group layout, and a compact binary (`NAME.tokens.bin`). The
 * binary contains the per-group indices in row-major `[B, h, w, g]` order, as
 * little-endian unsigned integers of the smallest width that fits one group
 * (uint8 for 8-bit groups).
 */
import { basename, dirname, join } from "node:path";
import { atomicWrite, atomicWriteJson } from "../io/atomic_write.ts";
import type { CodeIndices } from "../quantize/code_indices.ts";

/** Value of `format` in a token file header. */
export const TOKEN_FILE_FORMAT = "wetok-tokens";

/** Integer type of one index in the binary file. */
export type IndexDtype = "uint8" | "uint16" | "uint32" | "uint64";

const DTYPE_BYTES: Record<IndexDtype, number> = { uint8: 1, uint16: 2, uint32: 4, uint64: 8 };

/** Contents of a `.tokens.json` header. */
export interface TokenFileHeader {
  format: typeof TOKEN_FILE_FORMAT;
  formatVersion: 1;
  /** `[B, h, w, g]`: images, token rows, token columns, groups per token. */
  shape: [number, number, number, number];
  /** Codes per group, as a decimal string (`2^bitsPerGroup` for binary quantizers). */
  groupSize: string;
  bitsPerGroup: number;
  bitOrder: "lsb-first";
  groupLayout: string;
  binary: {
    file: string;
    dtype: IndexDtype;
    endianness: "little";
    order: "row-major [B, h, w, g]";
    bytes: number;
    /** SHA-256 of the binary file, hex. */
    sha256: string;
  };
  /** Anything the writer adds: the source image, the tokenizer, the padding. */
  [key: string]: unknown;
}

/** Returns the smallest index type that fits every index below `groupSize`. */
export function indexDtype(groupSize: bigint): IndexDtype {
  const bits = groupSize <= 1n ? 1 : (groupSize - 1n).toString(2).length;
  if (bits <= 8) return "uint8";
  if (bits <= 16) return "uint16";
  if (bits <= 32) return "uint32";
  if (bits <= 64) return "uint64";
  throw new RangeError(`groups of ${bits} bits do not fit the token file's 64-bit indices`);
}

/** Encodes indices as the little-endian binary of a token file. */
export function encodeIndices(indices: CodeIndices): Uint8Array {
  const dtype = indexDtype(indices.groupSize);
  const count = indices.values.length;
  const bytes = new Uint8Array(count * DTYPE_BYTES[dtype]);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    const value = indices.values[i];
    switch (dtype) {
      case "uint8":
        view.setUint8(i, Number(value));
        break;
      case "uint16":
        view.setUint16(2 * i, Number(value), true);
        break;
      case "uint32":
        view.setUint32(4 * i, Number(value), true);
        break;
      case "uint64":
        view.setBigUint64(8 * i, BigInt(value), true);
        break;
    }
  }
  return bytes;
}

/**
 * Decodes a token file's binary into indices; numbers when the group size is
 * at most 2^53, bigints beyond, as {@link CodeIndices} requires.
 *
 * @throws RangeError when the byte count does not match the shape.
 */
export function decodeIndices(
  bytes: Uint8Array,
  shape: [number, number, number, number],
  groupSize: bigint,
): CodeIndices {
  const dtype = indexDtype(groupSize);
  const width = DTYPE_BYTES[dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== count * width) {
    throw new RangeError(
      `token binary has ${bytes.length} bytes, expected ${count} ${dtype} indices of shape [${shape}] (${
        count * width
      } bytes)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const exact = groupSize <= 2n ** 53n;
  const values: Float64Array | bigint[] = exact
    ? new Float64Array(count)
    : new Array<bigint>(count);
  for (let i = 0; i < count; i++) {
    const offset = i * width;
    if (dtype === "uint64") {
      const value = view.getBigUint64(offset, true);
      if (exact) (values as Float64Array)[i] = Number(value);
      else (values as bigint[])[i] = value;
    } else {
      const value = dtype === "uint8"
        ? view.getUint8(offset)
        : dtype === "uint16"
        ? view.getUint16(offset, true)
        : view.getUint32(offset, true);
      if (exact) (values as Float64Array)[i] = value;
      else (values as bigint[])[i] = BigInt(value);
    }
  }
  return { shape: [shape[0], shape[1], shape[2]], groups: shape[3], groupSize, values };
}

/**
 * Writes `BASE.tokens.json` and `BASE.tokens.bin` atomically.
 *
 * @param basePath path without the `.tokens.*` suffix, for example `out/cat`.
 * @param extra fields added to the header (source image, tokenizer, padding).
 * @returns the paths written and the header.
 */
export async function writeTokenFile(
  basePath: string,
  indices: CodeIndices,
  extra: Record<string, unknown> = {},
): Promise<{ jsonPath: string; binPath: string; header: TokenFileHeader }> {
  const binary = encodeIndices(indices);
  const jsonPath = `${basePath}.tokens.json`;
  const binPath = `${basePath}.tokens.bin`;
  const bitsPerGroup = indices.groupSize <= 1n ? 0 : (indices.groupSize - 1n).toString(2).length;
  const header: TokenFileHeader = {
    format: TOKEN_FILE_FORMAT,
    formatVersion: 1,
    shape: [...indices.shape, indices.groups],
    groupSize: indices.groupSize.toString(),
    bitsPerGroup,
    bitOrder: "lsb-first",
    groupLayout: `group k holds latent channels [${bitsPerGroup}k, ${bitsPerGroup}(k+1)); ` +
      "index = sum_j 2^j bit_j, bit_j = 1 when channel j of the group is > 0",
    binary: {
      file: basename(binPath),
      dtype: indexDtype(indices.groupSize),
      endianness: "little",
      order: "row-major [B, h, w, g]",
      bytes: binary.length,
      sha256: await sha256Hex(binary),
    },
    ...extra,
  };
  await atomicWrite(binPath, binary);
  await atomicWriteJson(jsonPath, header);
  return { jsonPath, binPath, header };
}

/**
 * Reads a token file from its JSON header path; the binary is found next to it.
 *
 * @throws Error naming the file when the header is not a token header, or the
 *   binary is missing, of the wrong size or fails its SHA-256 check.
 */
export async function readTokenFile(
  jsonPath: string,
): Promise<{ indices: CodeIndices; header: TokenFileHeader }> {
  const header = JSON.parse(await Deno.readTextFile(jsonPath)) as TokenFileHeader;
  if (header?.format !== TOKEN_FILE_FORMAT || header.formatVersion !== 1) {
    throw new Error(
      `${jsonPath} is not a version-1 ${TOKEN_FILE_FORMAT} header (format "${header?.format}")`,
    );
  }
  const binPath = join(dirname(jsonPath), header.binary.file);
  const bytes = await Deno.readFile(binPath);
  const digest = await sha256Hex(bytes);
  if (digest !== header.binary.sha256) {
    throw new Error(
      `${binPath} is corrupt: its SHA-256 is ${digest}, the header expects ${header.binary.sha256}`,
    );
  }
  try {
    return { indices: decodeIndices(bytes, header.shape, BigInt(header.groupSize)), header };
  } catch (err) {
    throw new Error(`${binPath}: ${(err as Error).message}`);
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
