/** Checks which checkpoint key matchStoreTensors reads per store entry, and the problems it lists. */
import { assertEquals } from "@std/assert";
import { initBackend, tf } from "../../lib/engine/mod.ts";
import { ParameterStore } from "../../lib/nn/mod.ts";
import { matchStoreTensors } from "../../lib/tokenizer/checkpoint_loader.ts";
import type { CheckpointData } from "../../lib/train/checkpoint.ts";

await initBackend("cpu", { announce: false });

/** Builds a store with a trainable weight `w` [2] and a buffer `mean` [3]. */
function twoEntryStore(): ParameterStore {
  const store = new ParameterStore();
  tf.tidy(() => {
    store.add("w", tf.zeros([2]));
    store.add("mean", tf.zeros([3]), false);
  });
  return store;
}

function checkpoint(tensors: CheckpointData["tensors"]): CheckpointData {
  return { step: 1, config: {}, meta: {}, tensors };
}

const W_RAW = { shape: [2], values: new Float32Array([1, 2]) };
const W_EMA = { shape: [2], values: new Float32Array([3, 4]) };
const MEAN = { shape: [3], values: new Float32Array([5, 6, 7]) };

// Trainable entries follow the weights option, and buffers always come from model/.
const WEIGHT_CASES = [["ema", W_EMA], ["raw", W_RAW]] as const;

for (const [weights, expectedW] of WEIGHT_CASES) {
  Deno.test(`matchStoreTensors reads ${weights} weights`, () => {
    const store = twoEntryStore();
    const data = checkpoint({ "model/w": W_RAW, "ema/w": W_EMA, "model/mean": MEAN });
    const { chosen, problems } = matchStoreTensors(store, data, weights, "network");
    assertEquals(problems, []);
    assertEquals(chosen, [["w", expectedW], ["mean", MEAN]]);
    store.dispose();
  });
}

Deno.test("matchStoreTensors lists missing and misshaped tensors", () => {
  const store = twoEntryStore();
  const data = checkpoint({ "ema/w": { shape: [1, 2], values: new Float32Array([1, 2]) } });
  const { chosen, problems } = matchStoreTensors(store, data, "ema", "encoder");
  assertEquals(chosen, []);
  assertEquals(problems, [
    `"ema/w" has shape [1,2], the encoder expects [2]`,
    `missing "model/mean"`,
  ]);
  store.dispose();
});
