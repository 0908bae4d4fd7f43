import { assertEquals } from "@std/assert";
import { initBackend } from "../../lib/engine/mod.ts";
import { assertSameLosses, trainWholeAndInParts } from "./_resume.ts";
import { tinyConfig } from "./_tiny_config.ts";

await initBackend("wasm", { announce: false });

Deno.test("Trainer resume on wasm repeats losses", async () => {
  const { whole, parts } = await trainWholeAndInParts(tinyConfig(), [8, 27, 30], "wasm");
  assertEquals(parts.length, whole.length);
  assertSameLosses(parts, whole);
});
