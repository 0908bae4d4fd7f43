/** A synthetic photo corpus for tests of train runs, in the layout of `deno task corpus`. */
import { join } from "node:path";
import { Rng } from "../../lib/engine/mod.ts";
import { writePng } from "../../lib/data/image_io.ts";

/**
 * Writes a corpus cache with smooth synthetic photos: 3 for training, 2 held out,
 * each `width` x `height` pixels (default 40 x 36).
 */
export async function fakeCorpus(width = 40, height = 36): Promise<string> {
  const dir = await Deno.makeTempDir();
  const rng = new Rng(9);
  const photos = [];
  for (let i = 0; i < 5; i++) {
    const data = new Uint8Array(width * height * 3);
    const phase = rng.uniform() * 6;
    for (let p = 0; p < width * height; p++) {
      const x = p % width;
      const y = Math.floor(p / width);
      for (let c = 0; c < 3; c++) {
        data[3 * p + c] = Math.round(127 + 120 * Math.sin(phase + x / (5 + c) + y / 7));
      }
    }
    const file = join(dir, `photo-${i}.png`);
    await writePng(file, { width, height, data });
    photos.push({ id: `fake/${i}`, file, split: i < 3 ? "train" : "test", sets: ["ci"] });
  }
  await Deno.writeTextFile(
    join(dir, "corpus-ci.json"),
    JSON.stringify({ set: "ci", cacheDir: dir, split: {}, photos, skipped: [] }),
  );
  return dir;
}
