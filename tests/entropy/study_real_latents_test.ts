/**
 * The committed encoder latents of a trained GQ 2x8 tokenizer, read by the
 * `file` latent source. The rows must match the raw float32 file and its
 * sidecar. On a subset of rows, the per-group sum error must equal the total
 * correlation computed by brute-force enumeration of all 2^16 codes.
 */
import { assertEquals, assertGreater, assertThrows } from "@std/assert";
import { Rng } from "../../lib/engine/mod.ts";
import {
  analyzeApproximation,
  contiguousGroupings,
} from "../../lib/entropy/approximation_error.ts";
import { drawLatents, type FileSource, latentLogits } from "../../lib/entropy/latent_sources.ts";
import { bruteForceMeanDistribution, entropyOfDistribution } from "../../lib/entropy/reference.ts";
import { assertClose } from "./_helpers.ts";

const LATENT_FILE = new URL(
  "../../results/entropy-study/latents/gq-2x8-full-32.f32",
  import.meta.url,
);
const SOURCE: FileSource = { kind: "file", path: LATENT_FILE.pathname, bits: 16 };

/** Total correlation `D(pbar || prod_k pbar_k)` of consecutive groups, from the full table. */
function totalCorrelationOfTable(pbar: Float64Array, bits: number, groupCount: number): number {
  const groupBits = bits / groupCount;
  const subCodes = 2 ** groupBits;
  const marginals = Array.from({ length: groupCount }, () => new Float64Array(subCodes));
  for (let c = 0; c < pbar.length; c++) {
    for (let k = 0; k < groupCount; k++) {
      marginals[k][Math.floor(c / subCodes ** k) % subCodes] += pbar[c];
    }
  }
  let divergence = 0;
  for (let c = 0; c < pbar.length; c++) {
    if (pbar[c] === 0) continue;
    let logProduct = 0;
    for (let k = 0; k < groupCount; k++) {
      logProduct += Math.log(marginals[k][Math.floor(c / subCodes ** k) % subCodes]);
    }
    divergence += pbar[c] * (Math.log(pbar[c]) - logProduct);
  }
  return divergence;
}

Deno.test("file source reads committed latents", async () => {
  const bytes = await Deno.readFile(LATENT_FILE);
  const sidecar = JSON.parse(await Deno.readTextFile(new URL(`${LATENT_FILE.href}.json`)));
  assertEquals(sidecar.d, 16, "sidecar d");
  assertEquals(
    bytes.length,
    sidecar.rows * sidecar.d * 4,
    "file size against sidecar rows x d x 4 bytes",
  );

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latents = drawLatents(SOURCE, sidecar.rows, 16, new Rng(0));
  assertEquals(latents.tokens, sidecar.rows, "token count");
  let mismatches = 0;
  for (let i = 0; i < latents.data.length; i++) {
    if (latents.data[i] !== view.getFloat32(4 * i, true)) mismatches++;
  }
  assertEquals(mismatches, 0, "values differing from the little-endian float32 file");
});

Deno.test("file source rejects wrong latent d", () => {
  assertThrows(() => drawLatents(SOURCE, 8, 12, new Rng(0)), RangeError, "rows contain 16 values");
  assertThrows(
    () => drawLatents({ ...SOURCE, bits: 12 }, 8, 12, new Rng(0)),
    RangeError,
    "not a multiple of 48",
  );
});

Deno.test("real latents error equals total correlation", () => {
  const tokens = 40;
  const bits = 16;
  const latents = drawLatents(SOURCE, tokens, bits, new Rng(2508));
  for (const temperature of [0.3, 1]) {
    const m = latentLogits(latents, temperature);
    const result = analyzeApproximation(m, { groupings: contiguousGroupings(bits, [2, 4, 8, 16]) });
    const pbar = bruteForceMeanDistribution(m);
    assertClose(
      result.exactEntropy,
      entropyOfDistribution(pbar),
      `H(pbar) at tau=${temperature}`,
      1e-10,
      1e-10,
    );
    for (const grouping of result.groupings) {
      const expected = totalCorrelationOfTable(pbar, bits, grouping.groupCount);
      assertClose(
        grouping.error,
        expected,
        `error of ${grouping.name} at tau=${temperature}`,
        1e-10,
        1e-9,
      );
    }
    assertGreater(result.groupings[0].error, 0.01, `g=2 error at tau=${temperature}`);
  }
});
