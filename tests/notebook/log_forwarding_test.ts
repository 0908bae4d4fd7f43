import { assertEquals, assertStrictEquals } from "@std/assert";
import { log } from "../../lib/io/log.ts";
import { forwardStderrToNotebook } from "../../lib/notebook/mod.ts";

Deno.test("forwardStderrToNotebook routes logger lines", async () => {
  const originalSync = Deno.stderr.writeSync;
  const originalAsync = Deno.stderr.write;
  const originalConsoleError = console.error;
  const captured: string[] = [];
  console.error = (...args: unknown[]) => captured.push(args.join(" "));
  const restore = forwardStderrToNotebook();
  try {
    assertStrictEquals(
      forwardStderrToNotebook(),
      restore,
      "a second call returns the same restorer",
    );
    log.warn("disk nearly full");
    await Deno.stderr.write(new TextEncoder().encode("async line\n"));
  } finally {
    restore();
    console.error = originalConsoleError;
  }
  assertEquals(captured.length, 2);
  assertEquals(captured[0].endsWith("WARN  disk nearly full"), true, captured[0]);
  assertEquals(captured[1], "async line");
  assertStrictEquals(Deno.stderr.writeSync, originalSync);
  assertStrictEquals(Deno.stderr.write, originalAsync);
});
