import { assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import {
  canonicalJson,
  parseExperimentConfig,
  resolveRuns,
  runId,
  sha256Hex,
} from "../../lib/experiment/mod.ts";
import { trainExperiment } from "./_fixtures.ts";

const reference = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/run_id_reference.json", import.meta.url)),
);

/** Lists the paths of every leaf (number, string, boolean, array element) of a JSON value. */
function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, [...prefix, i]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  }
  return [prefix];
}

/** Returns a copy of `value` with the leaf at `path` changed to a different value of the same type. */
function perturb(value: unknown, path: (string | number)[]): unknown {
  const copy = structuredClone(value) as any;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const last = path[path.length - 1];
  const old = parent[last];
  if (typeof old === "number") parent[last] = old + 1;
  else if (typeof old === "boolean") parent[last] = !old;
  else parent[last] = `${old}x`;
  return copy;
}

Deno.test("canonicalJson matches the Python reference", () => {
  const text = canonicalJson({ config: reference.config, codeVersion: reference.codeVersion });
  assertEquals(text, reference.canonical);
});

Deno.test("runId matches the Python SHA-256", async () => {
  assertEquals(await sha256Hex(reference.canonical), reference.sha256);
  assertEquals(await runId(reference.config, reference.codeVersion), reference.sha256.slice(0, 16));
});

Deno.test("runId ignores key order", async () => {
  const reversed = Object.fromEntries(Object.entries(reference.config).reverse());
  assertEquals(
    await runId(reversed, reference.codeVersion),
    await runId(reference.config, reference.codeVersion),
  );
});

Deno.test("runId changes with every config field", async () => {
  const base = await runId(reference.config, reference.codeVersion);
  const paths = leafPaths(reference.config);
  assertEquals(paths.length, 26);
  const seen = new Set([base]);
  for (const path of paths) {
    const id = await runId(perturb(reference.config, path), reference.codeVersion);
    assertNotEquals(id, base, `changing ${path.join(".")} kept the run id`);
    seen.add(id);
  }
  assertEquals(seen.size, paths.length + 1);
});

Deno.test("runId changes with added or removed fields", async () => {
  const base = await runId(reference.config, reference.codeVersion);
  const { eval: _eval, ...withoutEval } = reference.config;
  assertNotEquals(await runId(withoutEval, reference.codeVersion), base);
  assertNotEquals(await runId({ ...reference.config, extra: 1 }, reference.codeVersion), base);
});

Deno.test("runId changes with the code version", async () => {
  const clean = reference.codeVersion.replace("-dirty", "");
  assertNotEquals(
    await runId(reference.config, clean),
    await runId(reference.config, reference.codeVersion),
  );
  await runId(reference.config, "").then(
    () => {
      throw new Error("expected an error for an empty code version");
    },
    (err) =>
      assertEquals(
        err.message,
        "runId: empty code version; pass the code identity from codeVersion()",
      ),
  );
});

Deno.test("runId differs between resolved runs", async () => {
  const config = parseExperimentConfig(trainExperiment(), "test.json");
  const ids = await Promise.all(resolveRuns(config, "cpu").map((r) => runId(r.config, "abc")));
  assertEquals(new Set(ids).size, 4);
});

Deno.test("canonicalJson rejects non-JSON values", () => {
  assertThrows(() => canonicalJson({ a: NaN }), Error, "non-finite number NaN");
  assertThrows(() => canonicalJson([undefined]), Error, "undefined array element");
  assertThrows(() => canonicalJson({ f: () => 1 }), Error, "a function has no JSON form");
  assertEquals(canonicalJson({ b: undefined, a: [1, "x", null, true] }), `{"a":[1,"x",null,true]}`);
});
