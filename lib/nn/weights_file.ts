/**
 * Saving and loading a {@link ParameterStore} as a safetensors file
 * (github.com/huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header mapping each state-dict name to its dtype, shape and byte
 * range, then the raw little-endian data.
 *
 * The header's `__metadata__.layout` records the layout of the kernels: this
 * project's (`"tfjs"`: HWIO, linear `[in, out]`) or PyTorch's (`"torch"`:
 * OIHW, linear `[out, in]`). A file without that key is read as PyTorch
 * layout, because safetensors files exported from PyTorch carry no such key.
 * Only float32 (`F32`) tensors are supported.
 */
import { atomicWrite } from "../io/atomic_write.ts";
import { tf } from "../engine/mod.ts";
import type { ParameterStore } from "./parameter_store.ts";
import { shapesEqual } from "./parameter_store.ts";
import {
  fromTorchLayout,
  type HostTensor,
  toTorchLayout,
  type WeightLayout,
} from "./torch_layout.ts";

/** Options of {@link serializeWeights} and {@link saveWeights}. */
export interface SaveWeightsOptions {
  /** Layout of the written kernels (default "tfjs"). */
  layout?: WeightLayout;
  /** Extra string metadata stored in the header (for example the config name). */
  metadata?: Record<string, string>;
}

/** Options of {@link deserializeWeights} and {@link loadWeights}. */
export interface LoadWeightsOptions {
  /** Layout of the file's kernels, which overrides `__metadata__.layout` when set. */
  layout?: WeightLayout;
  /**
   * Returns true for file entries the store does not have and that may be
   * skipped (for example the discriminator when loading only a tokenizer).
   * By default every unexpected entry is an error.
   */
  ignoreUnexpected?: (name: string) => boolean;
  /**
   * Maps a store name to the name of its tensor in the file (default: the same
   * name). {@link officialEmaName} reads the EMA weights of official checkpoints.
   */
  fileName?: (storeName: string) => string;
}

/**
 * Returns the name under which official WeTok checkpoints keep the EMA copy of
 * parameter `name`: `model_ema.` plus the name without dots, as the LitEma
 * module of latent-diffusion stores it (`encoder.conv_in.weight` becomes
 * `model_ema.encoderconv_inweight`).
 *
 * NOTE: the official EMA module's source was not available. This naming is
 * inferred from the official loader, which matches keys such as `conv_inweight`.
 */
export function officialEmaName(name: string): string {
  return `model_ema.${name.replaceAll(".", "")}`;
}

/** Parsed contents of a safetensors file. */
export interface SafetensorsContents {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

const LAYOUT_KEY = "layout";

/** Encodes every entry of `store` (trainable weights and buffers) as safetensors bytes. */
export async function serializeWeights(
  store: ParameterStore,
  options: SaveWeightsOptions = {},
): Promise<Uint8Array> {
  const layout = options.layout ?? "tfjs";
  const header: Record<string, unknown> = {
    __metadata__: { ...options.metadata, [LAYOUT_KEY]: layout },
  };

  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const entry of store.entries()) {
    const data = (await entry.variable.data()) as Float32Array;
    let tensor: HostTensor = { shape: [...entry.variable.shape], data };
    if (layout === "torch") tensor = toTorchLayout(tensor);
    header[entry.name] = {
      dtype: "F32",
      shape: tensor.shape,
      data_offsets: [offset, offset + tensor.data.byteLength],
    };
    chunks.push(tensor.data);
    offset += tensor.data.byteLength;
  }

  let json = JSON.stringify(header);
  // Pad the header with spaces (the format allows trailing spaces) so the data starts 8-byte aligned.
  json += " ".repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);

  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const chunk of chunks) {
    out.set(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), position);
    position += chunk.byteLength;
  }
  return out;
}

/**
 * Parses safetensors bytes into host tensors, in the file's layout.
 *
 * @throws Error when the header is malformed, a dtype is not F32, or a byte range is invalid.
 */
export function parseSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (bytes.length < 8) {
    throw new Error(
      `invalid safetensors data: ${bytes.length} bytes, shorter than the 8-byte header length`,
    );
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) {
    throw new Error(
      `invalid safetensors data: header length ${headerLength} exceeds the ${
        bytes.length - 8
      } bytes after it`,
    );
  }

  let header: Record<string, any>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (err) {
    throw new Error(`invalid safetensors header: ${(err as Error).message}`);
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = header.__metadata__ ?? {};
  const tensors = new Map<string, HostTensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    if (info.dtype !== "F32") {
      throw new Error(
        `tensor "${name}" has dtype ${info.dtype}. Only F32 is supported, so convert the ` +
          "weights to float32 before loading",
      );
    }
    const shape: number[] = info.shape;
    const [begin, end] = info.data_offsets as [number, number];
    const size = shape.reduce((a, b) => a * b, 1);
    if (!(begin >= 0 && end <= dataLength && end - begin === 4 * size)) {
      throw new Error(
        `tensor "${name}" of shape [${shape}] has invalid byte range [${begin}, ${end}] ` +
          `(data section of ${dataLength} bytes)`,
      );
    }
    // Copy so the Float32Array is aligned whatever the header length.
    const data = new Float32Array(bytes.slice(dataStart + begin, dataStart + end).buffer);
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata };
}

/**
 * Loads safetensors bytes into `store`. Every store entry must be in the file
 * with the same shape (after layout conversion), and every file entry must be
 * in the store unless `ignoreUnexpected` accepts it. Nothing is assigned
 * unless all checks pass.
 *
 * @throws Error listing the missing, unexpected or mismatched names.
 */
export function deserializeWeights(
  store: ParameterStore,
  bytes: Uint8Array,
  options: LoadWeightsOptions = {},
): void {
  const { tensors, metadata } = parseSafetensors(bytes);
  const layout = options.layout ?? (metadata[LAYOUT_KEY] as WeightLayout | undefined) ?? "torch";
  if (layout !== "tfjs" && layout !== "torch") {
    throw new Error(`invalid weight layout "${layout}": expected "tfjs" or "torch"`);
  }
  const storeNames = store.names();
  const fileName = options.fileName ?? ((name: string) => name);
  const fileNames = new Set(storeNames.map(fileName));
  const missing = storeNames.filter((name) => !tensors.has(fileName(name)));
  const unexpected = [...tensors.keys()].filter(
    (name) => !fileNames.has(name) && !(options.ignoreUnexpected?.(name) ?? false),
  );
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing ${listNames(missing)}`);
  if (unexpected.length > 0) problems.push(`unexpected ${listNames(unexpected)}`);

  const converted = new Map<string, HostTensor>();
  const mismatched: string[] = [];
  for (const name of storeNames) {
    const stored = tensors.get(fileName(name));
    if (stored === undefined) continue;
    const tensor = layout === "torch" ? fromTorchLayout(stored) : stored;
    const expected = store.get(name).shape;
    if (!shapesEqual(expected, tensor.shape)) {
      mismatched.push(
        `"${name}" has shape [${tensor.shape}] (${layout} layout), expected [${expected}]`,
      );
    } else {
      converted.set(name, tensor);
    }
  }
  if (mismatched.length > 0) {
    const listed = mismatched.slice(0, 4).join(", ");
    problems.push(
      mismatched.length > 4 ? `${mismatched.length} shape mismatches: ${listed}, ...` : listed,
    );
  }
  if (problems.length > 0) {
    throw new Error(
      `weights do not match the network: ${problems.join("; ")}. Check the config ` +
        "(ch, chMult, numResBlocks, zChannels) and the layout",
    );
  }
  for (const [name, tensor] of converted) {
    tf.tidy(() => store.assign(name, tf.tensor(tensor.data, tensor.shape, "float32")));
  }
}

/** Writes `store` to `path` as safetensors through an atomic write. */
export async function saveWeights(
  path: string,
  store: ParameterStore,
  options: SaveWeightsOptions = {},
): Promise<void> {
  await atomicWrite(path, await serializeWeights(store, options));
}

/**
 * Reads a safetensors file into `store` with the checks of {@link deserializeWeights}.
 *
 * @throws Error naming the path when the file cannot be read or does not match.
 */
export async function loadWeights(
  path: string,
  store: ParameterStore,
  options: LoadWeightsOptions = {},
): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new Error(`failed to read weights from ${path}: ${(err as Error).message}`);
  }
  try {
    deserializeWeights(store, bytes, options);
  } catch (err) {
    throw new Error(`failed to load weights from ${path}: ${(err as Error).message}`);
  }
}

function listNames(names: string[]): string {
  const quoted = names.slice(0, 8).map((name) => `"${name}"`).join(", ");
  return names.length > 8 ? `${names.length} names (${quoted}, ...)` : quoted;
}
