/**
 * The webgpu backend against the cpu backend on every training op and on the
 * conv gradients, wherever Deno finds a WebGPU adapter (Mesa's llvmpipe counts).
 * Without one, the tests are skipped and the reason is printed.
 */
import { assert, assertEquals } from "@std/assert";
import * as tf from "@tensorflow/tfjs-core";
import { hasWebGpuAdapter } from "../../lib/engine/backend.ts";
import { Rng } from "../../lib/engine/rng.ts";
import { compareArrays, normalInput, type OpCase, runCase, TOLERANCE } from "./gradcheck.ts";
import { opCases } from "./op_cases.ts";

const adapter = await hasWebGpuAdapter();
const ignore = !adapter;
if (ignore) {
  console.log(
    "webgpu tests skipped: Deno found no WebGPU adapter (install a Vulkan driver; " +
      "on Debian, mesa-vulkan-drivers provides the llvmpipe software adapter)",
  );
}

async function assertWebGpuMatchesCpu(c: OpCase): Promise<void> {
  const expected = await runCase("cpu", c);
  const actual = await runCase("webgpu", c);
  actual.outputs.forEach((out, i) => {
    assertEquals(out.shape, expected.outputs[i].shape, `output ${i} shape`);
    const r = compareArrays(
      `output ${i}`,
      out.values,
      expected.outputs[i].values,
      TOLERANCE.webgpu,
    );
    assert(r.ok, r.message);
  });
  actual.gradients.forEach((g, i) => {
    const r = compareArrays(`gradient ${i}`, g, expected.gradients[i], TOLERANCE.webgpu);
    assert(r.ok, r.message);
  });
}

for (const c of opCases()) {
  Deno.test({
    name: `${c.name} matches cpu on webgpu`,
    ignore,
    fn: () => assertWebGpuMatchesCpu(c),
  });
}

const CONV_SHAPES: {
  label: string;
  x: number[];
  filter: number[];
  strides: number;
  pad: "same" | "valid";
}[] = [
  {
    label: "3x3 stride 2 same 7x9",
    x: [2, 7, 9, 3],
    filter: [3, 3, 3, 4],
    strides: 2,
    pad: "same",
  },
  {
    label: "1x1 batch 1 one channel",
    x: [1, 5, 6, 1],
    filter: [1, 1, 1, 1],
    strides: 1,
    pad: "valid",
  },
  { label: "4x4 stride 2 valid", x: [2, 10, 9, 3], filter: [4, 4, 3, 4], strides: 2, pad: "valid" },
];

CONV_SHAPES.forEach((s, i) => {
  Deno.test({
    name: `conv2d gradients ${s.label} match cpu on webgpu`,
    ignore,
    fn: () => {
      const rng = new Rng(300 + i);
      return assertWebGpuMatchesCpu({
        name: s.label,
        inputs: [normalInput(rng, s.x), normalInput(rng, s.filter, 0.3)],
        fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s.strides, s.pad),
      });
    },
  });
});
