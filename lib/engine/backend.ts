/**
 * Choice and start-up of the TensorFlow.js backend.
 *
 * - `wasm`: the default on CPU. The project registers its own kernels for what
 *   training needs and the stock wasm backend lacks or runs slowly (see
 *   `wasm_kernels.ts`), so training never falls back to the pure-JS backend.
 * - `cpu`: the pure-JS reference backend, for gradient tests.
 * - `webgpu`: Deno's WebGPU, the GPU path. On machines without a GPU, Deno may
 *   find Mesa's software adapter (llvmpipe), which is correct but slow.
 * - `tensorflow`: the native bindings of `@tensorflow/tfjs-node`, used only when
 *   the user has installed them.
 */
import * as tf from "@tensorflow/tfjs-core";
// The union package registers the chained methods (`t.reshape()`) and brings
// tfjs-layers and tfjs-converter, all sharing the one tfjs-core engine.
import "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { registerWasmKernels } from "./wasm_kernels.ts";
import { log } from "../io/log.ts";

/** Names of the backends this project can run on. */
export type BackendName = "wasm" | "cpu" | "webgpu" | "tensorflow";

/** All backend names, in order of preference on a CPU machine. */
export const BACKEND_NAMES: readonly BackendName[] = ["wasm", "cpu", "webgpu", "tensorflow"];

/** Default backend on CPU. */
export const DEFAULT_BACKEND: BackendName = "wasm";

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Print the one start-up line naming the backend (default true). */
  announce?: boolean;
}

/** Backend started by {@link initBackend}. */
export interface BackendInfo {
  name: BackendName;
  /** Adapter or library description, for logs and benchmark tables. */
  description: string;
}

let active: BackendInfo | null = null;

/**
 * Parses a backend name from a command-line flag or environment value.
 * Entry files call this with `--backend` or `WETOK_BACKEND`; an empty value gives the default.
 */
export function parseBackendName(value: string | undefined): BackendName {
  if (value === undefined || value === "") return DEFAULT_BACKEND;
  const name = value.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new Error(
    `invalid backend "${value}": expected one of ${BACKEND_NAMES.join(", ")} ` +
      `(set --backend or WETOK_BACKEND)`,
  );
}

/** Returns true when Deno exposes a WebGPU adapter (hardware or software). */
export async function hasWebGpuAdapter(): Promise<boolean> {
  return (await webGpuAdapterDescription()) !== null;
}

async function webGpuAdapterDescription(): Promise<string | null> {
  // deno-lint-ignore no-explicit-any
  const gpu = (globalThis.navigator as any)?.gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return null;
    const info = adapter.info ?? {};
    const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter;
    return `${info.description || info.device || "WebGPU adapter"}${fallback ? " (software fallback)" : ""}`;
  } catch {
    return null;
  }
}

/**
 * Starts `name` as the active TensorFlow.js backend, registers the project's
 * kernels for it, and logs once which backend runs. Calling it again with the
 * active backend is a no-op; another name switches backends.
 *
 * @throws Error naming the backend and the fix when it cannot start.
 */
export async function initBackend(
  name: BackendName = DEFAULT_BACKEND,
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  if (active?.name === name && tf.getBackend() === name) return active;
  let description: string;
  switch (name) {
    case "wasm": {
      registerWasmKernels();
      await setBackendOrThrow("wasm");
      description = "TensorFlow.js wasm (SIMD, one thread) with the project's training kernels";
      break;
    }
    case "cpu": {
      await setBackendOrThrow("cpu");
      // The cpu backend prints an advert for tfjs-node on its first write, because
      // Deno passes for Node.js. The backend choice is logged here instead.
      // deno-lint-ignore no-explicit-any
      (tf.backend() as any).firstUse = false;
      description = "TensorFlow.js cpu (pure JavaScript reference)";
      break;
    }
    case "webgpu": {
      const adapter = await webGpuAdapterDescription();
      if (adapter === null) {
        throw new Error(
          "backend webgpu: no WebGPU adapter found. Install a GPU driver with Vulkan support " +
            "(on Debian, mesa-vulkan-drivers gives a software adapter) or use --backend wasm",
        );
      }
      await import("@tensorflow/tfjs-backend-webgpu");
      await setBackendOrThrow("webgpu");
      description = `TensorFlow.js webgpu on ${adapter}`;
      break;
    }
    case "tensorflow": {
      try {
        // A computed specifier keeps Deno from resolving the optional package at load time.
        const specifier = ["npm:@tensorflow", "tfjs-node"].join("/");
        await import(specifier);
      } catch (err) {
        throw new Error(
          "backend tensorflow needs the native bindings @tensorflow/tfjs-node, which failed to " +
            `load (${(err as Error).message}). Install them where libtensorflow can be ` +
            "downloaded, or use --backend wasm",
        );
      }
      await setBackendOrThrow("tensorflow");
      description = "TensorFlow.js native bindings (libtensorflow)";
      break;
    }
    default:
      throw new Error(`invalid backend "${name}": expected one of ${BACKEND_NAMES.join(", ")}`);
  }
  active = { name, description };
  if (options.announce ?? true) log.info(`backend: ${name}: ${description}`);
  return active;
}

/** Returns the backend started by {@link initBackend}, or null before the first call. */
export function activeBackend(): BackendInfo | null {
  return active && tf.getBackend() === active.name ? active : null;
}

async function setBackendOrThrow(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new Error(`backend ${name} failed to initialise (TensorFlow.js returned ${ok})`);
  }
}
