/**
 * Checkpoint files: one binary file per checkpoint, written atomically, with a
 * JSON header (step, config, random-generator states and other scalars) and
 * the raw little-endian tensor data after it.
 *
 * Layout: the 8-byte magic `WETOKCK1`, the header length in bytes (uint32),
 * the UTF-8 JSON header and zero padding to a multiple of 4 bytes. The data
 * section follows: each tensor's 4-byte elements (float32 or int32) start at
 * the byte offset that the header gives, counted from the section's start.
 */
import { join } from "node:path";
import { atomicWrite } from "../io/atomic_write.ts";
import { log } from "../io/log.ts";

const MAGIC = "WETOKCK1";
const FILE_PATTERN = /^ckpt-(\d{8})\.wtk$/;

/** One stored tensor. */
export interface CheckpointTensor {
  shape: number[];
  values: Float32Array | Int32Array;
}

/** Everything a checkpoint holds. */
export interface CheckpointData {
  /** Number of updates completed when it was written. */
  step: number;
  /** The training config of the run, compared on resume. */
  config: unknown;
  /** JSON-serialisable run state (stage, generator states, running means, ...). */
  meta: Record<string, unknown>;
  /** Tensors by key, such as `model/encoder.conv_in.weight` or `adam.generator.m/...`. */
  tensors: Record<string, CheckpointTensor>;
}

interface TensorEntry {
  key: string;
  dtype: "float32" | "int32";
  shape: number[];
  /** Byte offset from the start of the data section. */
  offset: number;
  size: number;
}

interface Header {
  format: typeof MAGIC;
  step: number;
  config: unknown;
  meta: Record<string, unknown>;
  tensors: TensorEntry[];
}

/** Returns the file name of the checkpoint after `step` updates: `ckpt-00001234.wtk`. */
export function checkpointFileName(step: number): string {
  if (!Number.isInteger(step) || step < 0 || step > 99_999_999) {
    throw new RangeError(`checkpoint step must be an integer in [0, 99999999], got ${step}`);
  }
  return `ckpt-${String(step).padStart(8, "0")}.wtk`;
}

/** Serialises a checkpoint to bytes. */
export function encodeCheckpoint(data: CheckpointData): Uint8Array {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const [key, tensor] of Object.entries(data.tensors)) {
    const size = tensor.shape.reduce((a, b) => a * b, 1);
    if (size !== tensor.values.length) {
      throw new RangeError(
        `checkpoint tensor "${key}" has shape [${tensor.shape}] (${size} values) but ${tensor.values.length} values`,
      );
    }
    const dtype = tensor.values instanceof Int32Array ? "int32" : "float32";
    entries.push({ key, dtype, shape: [...tensor.shape], offset, size });
    offset += size * 4;
  }

  const header: Header = {
    format: MAGIC,
    step: data.step,
    config: data.config,
    meta: data.meta,
    tensors: entries,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align4(12 + headerBytes.length);

  const bytes = new Uint8Array(dataStart + offset);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(8, headerBytes.length, true);
  bytes.set(headerBytes, 12);
  for (const entry of entries) {
    const values = data.tensors[entry.key].values;
    bytes.set(
      new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
      dataStart + entry.offset,
    );
  }
  return bytes;
}

/**
 * Parses bytes written by {@link encodeCheckpoint}.
 *
 * @param source file name for error messages.
 * @throws Error naming the source when the bytes are not a complete checkpoint.
 */
export function decodeCheckpoint(bytes: Uint8Array, source = "checkpoint"): CheckpointData {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw new Error(`${source} is not a WeTok checkpoint (missing the ${MAGIC} signature)`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  if (12 + headerLength > bytes.length) {
    throw new Error(`${source} is truncated: its header needs ${headerLength} bytes`);
  }
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)),
  ) as Header;
  const dataStart = align4(12 + headerLength);
  const tensors: Record<string, CheckpointTensor> = {};
  for (const entry of header.tensors) {
    const start = dataStart + entry.offset;
    const end = start + entry.size * 4;
    if (end > bytes.length) {
      throw new Error(
        `${source} is truncated: tensor "${entry.key}" ends at byte ${end} of ${bytes.length}`,
      );
    }
    // Copy, so that the arrays are aligned and independent of the file buffer.
    const copy = bytes.slice(start, end);
    const values = entry.dtype === "int32"
      ? new Int32Array(copy.buffer)
      : new Float32Array(copy.buffer);
    tensors[entry.key] = { shape: entry.shape, values };
  }
  return { step: header.step, config: header.config, meta: header.meta, tensors };
}

/** One checkpoint file found in a run folder. */
export interface CheckpointFile {
  step: number;
  path: string;
}

/** Lists the checkpoints in `dir`, oldest first; a missing folder gives an empty list. */
export async function listCheckpoints(dir: string): Promise<CheckpointFile[]> {
  const found: CheckpointFile[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const match = entry.isFile ? FILE_PATTERN.exec(entry.name) : null;
      if (match) found.push({ step: Number(match[1]), path: join(dir, entry.name) });
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return found.sort((a, b) => a.step - b.step);
}

/**
 * Writes a checkpoint atomically into `dir`, then deletes all but the `keep`
 * most recent ones and any temporary files left by a killed write.
 * Returns the path written.
 */
export async function saveCheckpoint(
  dir: string,
  data: CheckpointData,
  keep: number,
): Promise<string> {
  if (!Number.isInteger(keep) || keep < 1) {
    throw new RangeError(`keep must be an integer >= 1 (checkpoints to keep), got ${keep}`);
  }
  const path = join(dir, checkpointFileName(data.step));
  await atomicWrite(path, encodeCheckpoint(data));
  const all = await listCheckpoints(dir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) {
    await Deno.remove(old.path);
  }
  for await (const entry of Deno.readDir(dir)) {
    // atomicWrite names its temporary files `.<target>.<pid>.<id>.tmp`.
    if (entry.isFile && entry.name.startsWith(".ckpt-") && entry.name.endsWith(".tmp")) {
      const pid = Number(entry.name.split(".")[3]);
      if (pid === Deno.pid) continue;
      await Deno.remove(join(dir, entry.name)).catch((err) =>
        log.warn(`could not remove the stale temporary file ${entry.name}: ${err.message}`)
      );
    }
  }
  return path;
}

/** Reads and parses one checkpoint file. */
export async function loadCheckpoint(path: string): Promise<CheckpointData> {
  return decodeCheckpoint(await Deno.readFile(path), path);
}

/** Returns the newest checkpoint in `dir`, or null when there is none. */
export async function latestCheckpoint(dir: string): Promise<CheckpointFile | null> {
  const all = await listCheckpoints(dir);
  return all.length > 0 ? all[all.length - 1] : null;
}

/**
 * Returns `path` when it is a checkpoint file, or the newest
 * `ckpt-NNNNNNNN.wtk` in it when it is a run folder.
 *
 * @throws Error naming the path when it does not exist or the folder contains no checkpoint.
 */
export async function resolveCheckpointFile(path: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(
        `checkpoint ${path} not found; give a run folder of "deno task train" or a ckpt-*.wtk file`,
      );
    }
    throw err;
  }
  if (!info.isDirectory) return path;
  const found = await latestCheckpoint(path);
  if (found === null) {
    throw new Error(
      `no checkpoint found in ${path}: expected files named ckpt-NNNNNNNN.wtk, written by ` +
        `"deno task train --run-dir ${path}"`,
    );
  }
  return found.path;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
