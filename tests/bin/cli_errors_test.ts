/**
 * Subprocess tests of how the entry points under bin/ report invalid input:
 * one line on standard error, no stack trace, exit status 2. None of them
 * trains or downloads, because every case fails before that work starts.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import { namedTrainConfig, TRAIN_CONFIGS } from "../../lib/train/mod.ts";
import { runCli as runCliWithEnv } from "./_run_cli.ts";

/** Entry points and the command name each prints before its messages. */
const ENTRY_POINTS: [script: string, command: string][] = [
  ["corpus.ts", "corpus"],
  ["demo.ts", "demo"],
  ["entropy_study.ts", "entropy-study"],
  ["export.ts", "export"],
  ["export_latents.ts", "export-latents"],
  ["tokenize.ts", "tokenize"],
  ["train.ts", "train"],
];

const work = await Deno.makeTempDir({ prefix: "cli_errors_" });

/** Runs an entry point with an empty corpus cache, so no case depends on this machine's corpus. */
function runCli(script: string, args: string[]) {
  return runCliWithEnv(script, args, { WETOK_CACHE: join(work, "cache") });
}

/** Checks the report of invalid input: status 2 and one stderr line without a stack trace. */
function assertUsageError(
  result: { code: number; stderr: string },
  expectedLine: string,
): void {
  assertEquals(result.code, 2, result.stderr);
  assert(!result.stderr.includes("Uncaught"), `stack trace in stderr:\n${result.stderr}`);
  assertEquals(result.stderr.trim(), expectedLine);
}

for (const [script, command] of ENTRY_POINTS) {
  Deno.test(`${command} rejects an unknown flag`, async () => {
    const result = await runCli(script, ["--sizee", "64"]);
    const line = result.stderr.trim();
    assertEquals(result.code, 2, result.stderr);
    assert(!result.stderr.includes("Uncaught"), `stack trace in stderr:\n${result.stderr}`);
    assert(!line.includes("\n"), `more than one line in stderr:\n${result.stderr}`);
    // Entry points that take positional arguments get a longer node message about "--".
    assert(line.startsWith(`${command}: Unknown option '--sizee'`), line);
    assert(line.endsWith("; run with --help for the options"), line);
  });

  Deno.test(`${command} help lists exit statuses`, async () => {
    const result = await runCli(script, ["--help"]);
    assertEquals(result.code, 0, result.stderr);
    assertStringIncludes(result.stdout, "Exit status:");
    assertStringIncludes(result.stdout, "2 for invalid options");
  });
}

Deno.test("tokenize rejects a negative seed", async () => {
  const result = await runCli("tokenize.ts", ["--bundle", work, "--seed", "-1", "image.png"]);
  assertUsageError(
    result,
    "tokenize: Option '--seed' argument is ambiguous. Did you forget to specify the option " +
      "argument for '--seed'? To specify an option argument starting with a dash use " +
      "'--seed=-XYZ'; run with --help for the options",
  );
});

Deno.test("tokenize rejects a missing option value", async () => {
  const result = await runCli("tokenize.ts", ["image.png", "--size"]);
  assertUsageError(
    result,
    "tokenize: Option '--size <value>' argument missing; run with --help for the options",
  );
});

Deno.test("tokenize rejects an unknown backend", async () => {
  const result = await runCli("tokenize.ts", ["--bundle", work, "--backend", "gpu", "a.png"]);
  assertEquals(result.code, 2, result.stderr);
  assertStringIncludes(result.stderr, 'tokenize: invalid backend "gpu"');
});

Deno.test("corpus rejects an unknown set", async () => {
  const result = await runCli("corpus.ts", ["--set", "cii"]);
  assertUsageError(
    result,
    'corpus: invalid --set "cii": expected one of ci, full; run with --help for the options',
  );
});

Deno.test("train rejects an unknown config name", async () => {
  const result = await runCli("train.ts", ["--config", "smal"]);
  assertEquals(result.code, 2, result.stderr);
  assert(!result.stderr.includes("Uncaught"), result.stderr);
  assertStringIncludes(result.stderr, "train: --config smal: not a known config name");
  assertStringIncludes(result.stderr, `use one of ${Object.keys(TRAIN_CONFIGS).join(", ")}`);
});

Deno.test("train rejects --set that is not JSON", async () => {
  const config = Object.keys(TRAIN_CONFIGS)[0];
  const result = await runCli("train.ts", ["--config", config, "--set", "{stage1:5}"]);
  assertEquals(result.code, 2, result.stderr);
  assert(!result.stderr.includes("Uncaught"), result.stderr);
  assertStringIncludes(result.stderr, "train: --set is not valid JSON");
});

Deno.test("train rejects a missing --config", async () => {
  const result = await runCli("train.ts", []);
  assertUsageError(
    result,
    "train: missing --config: give a config name or a JSON file; run with --help for the options",
  );
});

Deno.test("train rejects an unbuilt corpus", async () => {
  const name = Object.keys(TRAIN_CONFIGS).find((n) => namedTrainConfig(n).data === "ci");
  assert(name !== undefined, "a named config trains on the ci corpus set");
  const result = await runCli("train.ts", ["--config", name!]);
  assertEquals(result.code, 2, result.stderr);
  assertStringIncludes(result.stderr, 'training data "ci"');
  assertStringIncludes(result.stderr, "deno task corpus");
});

Deno.test("export-latents rejects a negative seed value", async () => {
  const result = await runCli("export_latents.ts", [
    "--checkpoint",
    work,
    "--out",
    join(work, "u.f32"),
    "--seed=-1",
  ]);
  assertUsageError(
    result,
    'export-latents: invalid --seed "-1": expected an integer of at least 0; ' +
      "run with --help for the options",
  );
});

Deno.test("cli errors test cleanup", async () => {
  await Deno.remove(work, { recursive: true });
});
