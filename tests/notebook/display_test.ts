import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import {
  base64,
  displayable,
  html,
  JUPYTER_DISPLAY,
  markdown,
  mimeBundleOf,
} from "../../lib/notebook/mod.ts";

Deno.test("JUPYTER_DISPLAY is the kernel's symbol", () => {
  assertStrictEquals(JUPYTER_DISPLAY, Symbol.for("Jupyter.display"));
});

Deno.test("displayable returns its bundle", () => {
  const value = displayable({ "text/plain": "x", "text/html": "<b>x</b>" });
  assertEquals(value[JUPYTER_DISPLAY](), { "text/plain": "x", "text/html": "<b>x</b>" });
});

Deno.test("displayable rejects bundle without text", () => {
  assertThrows(() => displayable({ "text/html": "<b>x</b>" }), Error, 'lacks "text/plain"');
});

Deno.test("markdown and html carry plain text", () => {
  assertEquals(mimeBundleOf(markdown("# T")), { "text/markdown": "# T", "text/plain": "# T" });
  assertEquals(mimeBundleOf(html("<i>a</i>", "a")), { "text/html": "<i>a</i>", "text/plain": "a" });
});

Deno.test("base64 matches btoa on all bytes", () => {
  // 70,000 bytes cross the 32,768-byte chunk boundary twice.
  const bytes = new Uint8Array(70_000).map((_, i) => (i * 7919) % 256);
  const expected = btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
  assertEquals(base64(bytes), expected);
  assertEquals(base64(new Uint8Array(0)), "");
});
