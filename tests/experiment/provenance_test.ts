import { assert, assertEquals, assertMatch, assertNotEquals, assertRejects } from "@std/assert";
import { codeVersion, machineInfo } from "../../lib/experiment/mod.ts";

async function git(dir: string, ...args: string[]): Promise<void> {
  const output = await new Deno.Command("git", {
    args: ["-c", "user.name=test", "-c", "user.email=test@example.invalid", ...args],
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
}

/** Creates a repository with lib/, bin/ and a README, all committed. */
async function repository(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/lib`);
  await Deno.mkdir(`${dir}/bin`);
  await Deno.writeTextFile(`${dir}/lib/a.ts`, "export const a = 1;\n");
  await Deno.writeTextFile(`${dir}/bin/run.ts`, "console.log(1);\n");
  await Deno.writeTextFile(`${dir}/README.md`, "# test\n");
  await git(dir, "init", "-q");
  await git(dir, "add", ".");
  await git(dir, "commit", "-q", "-m", "first");
  return dir;
}

Deno.test("codeVersion ignores commits outside the code", async () => {
  const dir = await repository();
  const first = await codeVersion(dir);
  assertEquals(first.dirty, false);
  assertMatch(first.identity, /^lib@[0-9a-f]{12}\+bin@[0-9a-f]{12}$/);
  await Deno.writeTextFile(`${dir}/README.md`, "# changed\n");
  await git(dir, "commit", "-q", "-am", "docs");
  const second = await codeVersion(dir);
  assertNotEquals(second.commit, first.commit);
  assertEquals(second.identity, first.identity);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("codeVersion tracks code edits", async () => {
  const dir = await repository();
  const clean = await codeVersion(dir);
  await Deno.writeTextFile(`${dir}/lib/a.ts`, "export const a = 2;\n");
  const dirty = await codeVersion(dir);
  assertEquals(dirty.dirty, true);
  assertMatch(dirty.identity, /\+dirty@[0-9a-f]{12}$/);
  await Deno.writeTextFile(`${dir}/lib/a.ts`, "export const a = 3;\n");
  const other = await codeVersion(dir);
  assertNotEquals(other.identity, dirty.identity);
  await git(dir, "commit", "-q", "-am", "code");
  const committed = await codeVersion(dir);
  assertEquals(committed.dirty, false);
  assertNotEquals(committed.identity, clean.identity);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("codeVersion names a missing repository", async () => {
  const dir = await Deno.makeTempDir();
  await assertRejects(() => codeVersion(dir), Error, `git rev-parse HEAD failed in ${dir}`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("machineInfo describes this machine", () => {
  const machine = machineInfo();
  assertEquals(machine.os, Deno.build.os);
  assert(machine.cpus >= 1, `cpus ${machine.cpus}`);
  assertEquals(machine.deno, Deno.version.deno);
});
