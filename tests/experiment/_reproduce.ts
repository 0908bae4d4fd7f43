/** Runs `bin/reproduce.ts` in a child process for the end-to-end tests of `deno task reproduce`. */

const reproduce = new URL("../../bin/reproduce.ts", import.meta.url).pathname;

/** Runs `bin/reproduce.ts` with `args` and returns its exit code and standard error. */
export async function runReproduce(args: string[]): Promise<{ code: number; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", reproduce, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}
