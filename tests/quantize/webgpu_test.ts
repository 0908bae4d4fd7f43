/**
 * Forward checks of the estimators and quantizers on the webgpu backend,
 * where Deno finds an adapter (Mesa's llvmpipe counts). Results are read with
 * `await data()` and the finite check is off, because webgpu has no dataSync.
 */
import { assert } from "@std/assert";
import { hasWebGpuAdapter, Rng, tf } from "../../lib/engine/mod.ts";
import { CODEBOOK_ENTROPY_METHODS, entropyLoss } from "../../lib/entropy/mod.ts";
import {
  BsqQuantizer,
  FsqQuantizer,
  GqQuantizer,
  type Quantizer,
  VqQuantizer,
} from "../../lib/quantize/mod.ts";
import { assertClose, codebookEntropyReferences, matrix, useBackend } from "../entropy/_helpers.ts";

const noAdapter = !(await hasWebGpuAdapter());

Deno.test({
  name: "estimators and quantizers on webgpu",
  ignore: noAdapter,
  fn: async () => {
    await useBackend("webgpu");
    const quantizers: Quantizer[] = [];
    try {
      const tokens = 32;
      const bits = 8;
      const groups = 2;
      const data = new Rng(121).normalArray(tokens * bits, 0, 2);
      const m = matrix(data, tokens, bits);
      const expected = codebookEntropyReferences(m, groups);
      const x = tf.tensor2d(data, [tokens, bits]);
      for (const method of CODEBOOK_ENTROPY_METHODS) {
        const terms = entropyLoss(x, { method, groups });
        const value = (await terms.codebookEntropy.data())[0];
        assertClose(value, expected[method], `webgpu ${method}`);
        tf.dispose(Object.values(terms));
      }
      x.dispose();

      quantizers.push(
        new GqQuantizer({ dim: 8, groups: 2, checkFinite: false }),
        new BsqQuantizer({ dim: 8, checkFinite: false }),
        new FsqQuantizer({ levels: [8, 5, 5, 5, 2, 2, 3, 4], checkFinite: false }),
        new VqQuantizer({ dim: 8, codebookSize: 16, rng: new Rng(122), checkFinite: false }),
      );
      const z = new Rng(123).normalTensor([1, 2, 2, 8]) as tf.Tensor4D;
      for (const quantizer of quantizers) {
        const { codes, digits } = quantizer.quantize(z);
        const decoded = quantizer.indicesToCodes(await quantizer.digitsToIndices(digits));
        const original = await codes.data();
        const roundTrip = await decoded.data();
        original.forEach((v, i) => assert(roundTrip[i] === v, `${quantizer.kind}: code ${i}`));
        tf.dispose([codes, digits, decoded]);
      }
      z.dispose();
    } finally {
      quantizers.forEach((q) => q.trainableVariables().forEach((v) => v.dispose()));
      await useBackend("cpu");
    }
  },
});
