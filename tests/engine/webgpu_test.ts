/**
 * The webgpu backend against the cpu backend on every training op and on the
 * conv gradients, wherever Deno finds a WebGPU adapter (Mesa's llvmpipe counts).
 * Without one, the tests are skipped and the reason is printed.
 */
import { hasWebGpuAdapter } from "../../lib/engine/backend.ts";
import { assertMatchesCpu } from "./gradcheck.ts";
import { opCases } from "./op_cases.ts";
import { convCase, type ConvShape, convShape } from "./_conv_cases.ts";

const adapter = await hasWebGpuAdapter();
const ignore = !adapter;
if (ignore) {
  console.log(
    "webgpu tests skipped: Deno found no WebGPU adapter (install a Vulkan driver; " +
      "on Debian, mesa-vulkan-drivers provides the llvmpipe software adapter)",
  );
}

for (const c of opCases()) {
  Deno.test({
    name: `${c.name} matches cpu on webgpu`,
    ignore,
    fn: async () => {
      await assertMatchesCpu("webgpu", c);
    },
  });
}

/** Two shapes of the wasm grid and a 4x4 stride-2 conv without padding. */
const CONV_SHAPES: ConvShape[] = [
  convShape("3x3 stride 2 same 7x9"),
  convShape("1x1 batch 1 one channel"),
  { label: "4x4 stride 2 valid", x: [2, 10, 9, 3], filter: [4, 4, 3, 4], strides: 2, pad: "valid" },
];

CONV_SHAPES.forEach((s, i) => {
  Deno.test({
    name: `conv2d gradients ${s.label} match cpu on webgpu`,
    ignore,
    fn: async () => {
      await assertMatchesCpu("webgpu", convCase(s, 300 + i));
    },
  });
});
