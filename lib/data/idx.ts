/**
 * Reader of IDX files (the MNIST format): a 4-byte magic number
 * `0x00 0x00 TYPE NDIM`, then NDIM big-endian uint32 sizes, then the values.
 * Raw and gzip-compressed files are both accepted (gzip is detected by its
 * magic bytes 0x1f 0x8b, not by the file name).
 */
import { gunzipSync } from "node:zlib";

/** A decoded IDX file of unsigned bytes (type 0x08, the only type MNIST-like sets use). */
export interface IdxArray {
  /** Sizes, outermost first (e.g. [60000, 28, 28]). */
  shape: number[];
  data: Uint8Array;
}

/**
 * Parses IDX bytes, raw or gzipped.
 *
 * @param name used in error messages.
 * @throws Error naming the input when the header is invalid, the type is not
 *   unsigned bytes, or the data is shorter or longer than the header states.
 */
export function parseIdx(bytes: Uint8Array, name = "<bytes>"): IdxArray {
  let raw = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      raw = new Uint8Array(gunzipSync(bytes));
    } catch (err) {
      throw new Error(
        `IDX file ${name} is gzip but does not decompress: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new Error(`IDX file ${name} has an invalid header (expected bytes 00 00 TYPE NDIM)`);
  }
  const type = raw[2];
  const ndim = raw[3];
  if (type !== 0x08) {
    throw new Error(
      `IDX file ${name} has value type 0x${
        type.toString(16)
      }; only unsigned bytes (0x08) are supported`,
    );
  }
  if (ndim < 1 || raw.length < 4 + 4 * ndim) {
    throw new Error(`IDX file ${name} is too short for its ${ndim} dimension sizes`);
  }

  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = 4 + 4 * ndim;
  if (raw.length - offset !== count) {
    throw new Error(
      `IDX file ${name} contains ${raw.length - offset} values but its header [${
        shape.join(", ")
      }] ` +
        `gives ${count} (truncated or corrupt file)`,
    );
  }
  return { shape, data: raw.subarray(offset) };
}

/** Reads and parses an IDX file (raw or gzipped). */
export async function readIdx(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new Error(`cannot read IDX file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseIdx(bytes, path);
}
