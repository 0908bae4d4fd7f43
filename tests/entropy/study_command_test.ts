/** The `entropy-study` command run end to end on two quick configs, without images. */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("entropy_study writes figures, data and summary", async () => {
  const out = await Deno.makeTempDir({ prefix: "entropy-study-" });
  try {
    const command = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        join(ROOT, "bin/entropy_study.ts"),
        "--quick",
        "--config",
        join(ROOT, "experiments/entropy-non-nested-search.json"),
        "--config",
        join(ROOT, "experiments/entropy-error-vs-temperature.json"),
        "--out",
        out,
        "--backend",
        "cpu",
        "--formats",
        "",
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
    });
    const result = await command.output();
    const stderr = new TextDecoder().decode(result.stderr);
    assertEquals(result.code, 0, stderr);

    const names = [];
    for await (const entry of Deno.readDir(out)) names.push(entry.name);
    names.sort();
    for (const id of ["entropy-non-nested-search", "entropy-error-vs-temperature-error", "entropy-error-vs-temperature-values"]) {
      assert(names.includes(`${id}.html`), `missing ${id}.html in [${names}]`);
      assert(names.includes(`${id}.json`), `missing ${id}.json in [${names}]`);
    }
    assert(names.includes("entropy-non-nested-search.data.json"), `missing data file in [${names}]`);

    const data = JSON.parse(await Deno.readTextFile(join(out, "entropy-non-nested-search.data.json")));
    assertEquals(data.quick, true);
    assertEquals(data.checks.failed, 0);
    assertEquals(data.records.length, data.config.trials * data.config.sources.length * data.config.temperatures.length);

    const summary = await Deno.readTextFile(join(out, "entropy-approximation.md"));
    assertStringIncludes(summary, "## Non-nested counterexample");
    assertStringIncludes(summary, "Failed checks: 0.");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("entropy_study rejects an unknown image format", async () => {
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "bin/entropy_study.ts"), "--quick", "--formats", "gif"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  assertEquals(result.code, 2);
  assertStringIncludes(new TextDecoder().decode(result.stderr), 'invalid --formats entry "gif": expected png or svg');
});
