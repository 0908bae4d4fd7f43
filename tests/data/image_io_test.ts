import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { decodeBase64 } from "../../lib/data/_base64.ts";
import {
  decodeImage,
  decodeImageFloat,
  encodePng,
  ImageDecodeError,
  writePng,
} from "../../lib/data/image_io.ts";
import { withCorpusRebuildHint } from "../../lib/data/corpus_builder.ts";

// Files and PIL's decoding of each come from tests/fixtures/data_make_odd_images.py.
const DIR = new URL("../fixtures/data_odd_images/", import.meta.url).pathname;
interface Case {
  width: number;
  height: number;
  rgb8: string;
  lossless: boolean;
  rgb16?: string;
  grey16?: string;
}
const EXPECTED: { cases: Record<string, Case> } = JSON.parse(
  await Deno.readTextFile(DIR + "expected.json"),
);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function words(base64: string): Uint16Array {
  const bytes = decodeBase64(base64);
  return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
}

const LOSSLESS = [
  "rgb.png",
  "grey.png",
  "grey_alpha.png",
  "rgba.png",
  "palette.png",
  "palette_transparent.png",
  "lossless.webp",
  "rgba.webp",
];

for (const name of LOSSLESS) {
  Deno.test(`decodeImage matches PIL on ${name}`, async () => {
    const expected = EXPECTED.cases[name];
    const image = await decodeImage(DIR + name);
    assertEquals([image.width, image.height], [expected.width, expected.height]);
    assertEquals(image.data.length, expected.width * expected.height * 3);
    assertEquals(maxAbsDiff(image.data, decodeBase64(expected.rgb8)), 0);
  });
}

// libjpeg-turbo (PIL) and mozjpeg (sharp) may round the inverse DCT and the
// chroma upsampling differently, so lossy files get a small tolerance.
for (
  const name of ["rgb.jpg", "grey.jpg", "lossy.webp", "orient3.jpg", "orient6.jpg", "orient8.jpg"]
) {
  Deno.test(`decodeImage follows PIL on ${name}`, async () => {
    const expected = EXPECTED.cases[name];
    const image = await decodeImage(DIR + name);
    assertEquals([image.width, image.height], [expected.width, expected.height]);
    const diff = maxAbsDiff(image.data, decodeBase64(expected.rgb8));
    assert(diff <= 6, `max abs difference ${diff} > 6 for ${name}`);
  });
}

Deno.test("decodeImage applies EXIF orientation", async () => {
  const upright = await decodeImage(DIR + "rgb.jpg");
  const rotated = await decodeImage(DIR + "orient6.jpg");
  assertEquals(rotated.info.orientation, 6);
  // Orientation 6 stores the picture rotated 90 degrees counter-clockwise, so
  // the upright image's top-left pixel ends up at the top-right of the file's
  // upright view: rotated(x, y) = upright(y, H - 1 - x).
  const h = upright.height;
  let worst = 0;
  for (let y = 0; y < rotated.height; y++) {
    for (let x = 0; x < rotated.width; x++) {
      for (let c = 0; c < 3; c++) {
        const a = rotated.data[(y * rotated.width + x) * 3 + c];
        const b = upright.data[((h - 1 - x) * upright.width + y) * 3 + c];
        worst = Math.max(worst, Math.abs(a - b));
      }
    }
  }
  assert(worst <= 6, `rotated pixels differ by ${worst}`);
});

Deno.test("decodeImage converts CMYK JPEG to RGB", async () => {
  const image = await decodeImage(DIR + "cmyk.jpg");
  assertEquals(image.info.space, "cmyk");
  assertEquals([image.width, image.height, image.data.length], [32, 24, 32 * 24 * 3]);
  // The source's top-left pixel is RGB (0, 0, 40) and its bottom-right pixel
  // (255, 255, 40); any colour-managed conversion keeps them dark and yellow.
  const px = (x: number, y: number) =>
    Array.from(image.data.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3));
  const dark = px(0, 0);
  const yellow = px(31, 23);
  assert(Math.max(...dark) < 80, `top-left should be dark, got ${dark}`);
  assert(yellow[0] > 180, `bottom-right red ${yellow[0]}`);
  assert(yellow[1] > 180, `bottom-right green ${yellow[1]}`);
  assert(yellow[2] < 120, `bottom-right blue ${yellow[2]}`);
});

Deno.test("decodeImageFloat keeps 16-bit RGB precision", async () => {
  const image = await decodeImageFloat(DIR + "rgb16.png");
  assertEquals(image.info.bitsPerSample, 16);
  const source = words(EXPECTED.cases["rgb16.png"].rgb16!);
  const expected = Array.from(source, (v) => v / 65535);
  assert(maxAbsDiff(image.data, expected) < 1e-6);
});

Deno.test("decodeImageFloat keeps 16-bit grey precision", async () => {
  const image = await decodeImageFloat(DIR + "grey16.png");
  const source = words(EXPECTED.cases["grey16.png"].grey16!);
  assertEquals(image.data.length, source.length * 3);
  const expected = new Float32Array(source.length * 3);
  for (let i = 0; i < source.length; i++) expected.fill(source[i] / 65535, 3 * i, 3 * i + 3);
  assert(maxAbsDiff(image.data, expected) < 1e-6);
});

Deno.test("decodeImage rounds 16-bit to 8-bit", async () => {
  const image = await decodeImage(DIR + "rgb16.png");
  const source = words(EXPECTED.cases["rgb16.png"].rgb16!);
  const expected = Array.from(source, (v) => v / 257);
  assert(maxAbsDiff(image.data, expected) <= 1);
});

Deno.test("decodeImageFloat scales 8-bit by 1/255", async () => {
  const image = await decodeImageFloat(DIR + "rgb.png");
  const expected = Array.from(decodeBase64(EXPECTED.cases["rgb.png"].rgb8), (v) => v / 255);
  assert(maxAbsDiff(image.data, expected) < 1e-7);
});

Deno.test("decodeImage flattens alpha on request", async () => {
  const dropped = await decodeImage(DIR + "rgba.png");
  const white = await decodeImage(DIR + "rgba.png", { alpha: "white" });
  const black = await decodeImage(DIR + "rgba.png", { alpha: "black" });
  // Compositing over white can only raise a value and over black only lower it.
  let whiteBelow = 0;
  let blackAbove = 0;
  for (let i = 0; i < dropped.data.length; i++) {
    if (white.data[i] + 1 < dropped.data[i]) whiteBelow++;
    if (black.data[i] > dropped.data[i] + 1) blackAbove++;
  }
  assertEquals(whiteBelow, 0);
  assertEquals(blackAbove, 0);
});

async function expectDecodeError(source: string | Uint8Array, fragment: string, name?: string) {
  const err = await assertRejects(() => decodeImage(source, { name }), ImageDecodeError);
  assertStringIncludes(err.message, fragment);
  return err;
}

Deno.test("decodeImage names an empty file", async () => {
  const path = await Deno.makeTempFile({ suffix: ".png" });
  try {
    const err = await expectDecodeError(path, "empty");
    assertEquals(err.file, path);
    assertStringIncludes(err.message, path);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("decodeImage names a truncated PNG", async () => {
  const bytes = await Deno.readFile(DIR + "rgb.png");
  const path = await Deno.makeTempFile({ suffix: ".png" });
  try {
    await Deno.writeFile(path, bytes.subarray(0, bytes.length >> 1));
    const err = await expectDecodeError(path, path);
    assertEquals(err.file, path);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("decodeImage names a truncated JPEG", async () => {
  const bytes = await Deno.readFile(DIR + "rgb.jpg");
  await expectDecodeError(bytes.subarray(0, bytes.length >> 1), "half.jpg", "half.jpg");
});

Deno.test("decodeImage names a corrupt file", async () => {
  const garbage = new Uint8Array(512).map((_, i) => (i * 37) & 255);
  await expectDecodeError(garbage, "garbage.bin", "garbage.bin");
});

Deno.test("decodeImage names a missing file", async () => {
  await expectDecodeError(DIR + "no_such_file.png", "not found");
});

Deno.test("decodeImage missing file omits corpus", async () => {
  const err = await expectDecodeError(DIR + "no_such_file.png", "check the path");
  assert(!err.message.includes("corpus"), `a user's file gets corpus advice: ${err.message}`);
});

Deno.test("withCorpusRebuildHint names the corpus command", async () => {
  const missing = DIR + "no_such_file.png";
  const err = await assertRejects(() => decodeImage(missing), ImageDecodeError);
  const result = withCorpusRebuildHint(err, "full");
  assertInstanceOf(result, ImageDecodeError);
  const hinted = result as ImageDecodeError;
  assertEquals(hinted.file, missing);
  assertStringIncludes(hinted.message, `cannot decode image ${missing}: file not found`);
  assertStringIncludes(hinted.message, '"deno task corpus --set full"');
  assertEquals(hinted.cause, err.cause);
});

Deno.test("withCorpusRebuildHint keeps other errors", async () => {
  const garbage = new Uint8Array(512).map((_, i) => (i * 37) & 255);
  const corrupt = await expectDecodeError(garbage, "garbage.bin", "garbage.bin");
  assertEquals(withCorpusRebuildHint(corrupt, "ci"), corrupt);
  const other = new Error("disk full");
  assertEquals(withCorpusRebuildHint(other, "ci"), other);
});

Deno.test("decodeImage rejects too many pixels", async () => {
  const err = await assertRejects(
    () => decodeImage(DIR + "rgb.png", { maxPixels: 100 }),
    ImageDecodeError,
  );
  assertStringIncludes(err.message, "rgb.png");
  assertStringIncludes(err.message, "32x24");
  assertStringIncludes(err.message, "maxPixels");
});

Deno.test("writePng round-trips pixels exactly", async () => {
  const image = { width: 5, height: 3, data: new Uint8Array(45).map((_, i) => (i * 53) & 255) };
  const dir = await Deno.makeTempDir();
  try {
    await writePng(`${dir}/out.png`, image);
    const back = await decodeImage(`${dir}/out.png`);
    assertEquals([back.width, back.height], [5, 3]);
    assertEquals(Array.from(back.data), Array.from(image.data));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("encodePng rejects wrong data length", async () => {
  await assertRejects(
    () => encodePng({ width: 2, height: 2, data: new Uint8Array(11) }),
    RangeError,
    "width*height*3 = 12 bytes",
  );
});
