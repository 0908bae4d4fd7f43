/**
 * Analytic gradients of every training op, on wasm with the project's kernels
 * and on cpu, against central finite differences computed on cpu.
 */
import { assert } from "@std/assert";
import { compareArrays, finiteDifferenceGradient, runCase, TOLERANCE, wrtOf } from "./gradcheck.ts";
import { opCases } from "./op_cases.ts";

for (const c of opCases()) {
  if (c.noFiniteDifferences) {
    console.log(`skipped finite differences for ${c.name}: ${c.noFiniteDifferences}`);
    continue;
  }
  const wrt = wrtOf(c);
  if (wrt.length === 0) continue;
  Deno.test(`${c.name} gradient matches finite differences`, async () => {
    const wasm = await runCase("wasm", c);
    const cpu = await runCase("cpu", c);
    for (let j = 0; j < wrt.length; j++) {
      const fd = await finiteDifferenceGradient(c, wrt[j]);
      const onWasm = compareArrays(
        `wasm gradient of input ${wrt[j]}`,
        fd.indices.map((i) => wasm.gradients[j][i]),
        fd.values,
        TOLERANCE.finiteDifference,
      );
      assert(onWasm.ok, onWasm.message);
      const onCpu = compareArrays(
        `cpu gradient of input ${wrt[j]}`,
        fd.indices.map((i) => cpu.gradients[j][i]),
        fd.values,
        TOLERANCE.finiteDifference,
      );
      assert(onCpu.ok, onCpu.message);
    }
  });
}
