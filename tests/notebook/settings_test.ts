import { assertEquals, assertThrows } from "@std/assert";
import { notebookSettings } from "../../lib/notebook/mod.ts";

Deno.test("notebookSettings defaults to full, interactive", () => {
  const settings = notebookSettings({});
  assertEquals(settings.scale, "full");
  assertEquals(settings.headless, false);
});

Deno.test("notebookSettings parses smoke headless", () => {
  const settings = notebookSettings({ scale: " Smoke ", headless: "1" });
  assertEquals(settings.scale, "smoke");
  assertEquals(settings.headless, true);
  assertEquals(settings.pick({ smoke: 20, full: 2000 }), 20);
});

Deno.test("notebookSettings accepts boolean words", () => {
  assertEquals(notebookSettings({ headless: "true" }).headless, true);
  assertEquals(notebookSettings({ headless: "false" }).headless, false);
  assertEquals(notebookSettings({ headless: "0" }).headless, false);
  assertEquals(notebookSettings({ headless: "" }).headless, false);
});

Deno.test("notebookSettings rejects unknown values", () => {
  assertThrows(() => notebookSettings({ scale: "huge" }), Error, 'invalid notebook scale "huge"');
  assertThrows(() => notebookSettings({ headless: "yes" }), Error, 'invalid headless flag "yes"');
});
