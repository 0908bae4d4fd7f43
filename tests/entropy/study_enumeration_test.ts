/** Tiled float64 enumeration of pbar against brute force. */
import { assertThrows } from "@std/assert";
import { Rng } from "../../lib/engine/mod.ts";
import { drawLatents, latentLogits } from "../../lib/entropy/latent_sources.ts";
import {
  bruteForceCodebookEntropy,
  bruteForceMeanDistribution,
  codebookEntropyRef,
  entropyOfDistribution,
} from "../../lib/entropy/reference.ts";
import { enumeratedDistribution, enumeratedEntropy } from "../../lib/entropy/study_enumeration.ts";
import { assertClose } from "./_helpers.ts";

Deno.test("enumeratedEntropy matches brute force at tile edges", () => {
  const rng = new Rng(2);
  // Widths around the 4 x 2 blocks and the 64-code tiles: 1, 3, 7, 13 and 14 bits.
  for (const [bits, tokens] of [[1, 3], [3, 5], [7, 9], [13, 6], [14, 2]] as const) {
    const m = latentLogits(drawLatents({ kind: "mixture", clusters: 3 }, tokens, bits, rng), 2);
    const expected = bits <= 13 ? bruteForceCodebookEntropy(m) : codebookEntropyRef(m);
    assertClose(enumeratedEntropy(m), expected, `H(pbar) d=${bits}`, 1e-12, 1e-12);
  }
});

Deno.test("enumeratedDistribution matches a brute-force marginal", () => {
  const m = latentLogits(drawLatents({ kind: "correlated", correlation: 0.5 }, 11, 9, new Rng(4)), 1);
  const full = bruteForceMeanDistribution(m);
  const bitList = [7, 2, 5, 0];
  const marginal = new Float64Array(16);
  for (let c = 0; c < full.length; c++) {
    let index = 0;
    bitList.forEach((bit, j) => (index += (Math.floor(c / 2 ** bit) % 2) * 2 ** j));
    marginal[index] += full[c];
  }
  const table = enumeratedDistribution(m, bitList);
  for (let c = 0; c < 16; c++) assertClose(table[c], marginal[c], `pbar of sub-code ${c}`, 1e-15, 1e-12);
  assertClose(entropyOfDistribution(table), enumeratedEntropy(m, bitList), "marginal entropy", 1e-12, 1e-12);
});

Deno.test("enumeratedEntropy rejects an oversized table", () => {
  const m = latentLogits(drawLatents({ kind: "independent" }, 8, 20, new Rng(1)), 1);
  assertThrows(() => enumeratedEntropy(m, undefined, { maxBytes: 1000 }), RangeError, "raise maxBytes");
  assertThrows(() => enumeratedEntropy(m, [0, 0]), RangeError, "expected distinct bits");
});
