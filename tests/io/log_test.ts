import { assertEquals } from "@std/assert";

const script = new URL("./_log_after_close.ts", import.meta.url).pathname;

Deno.test("writeLogLine drops lines on a closed pipe", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Read the first log line, then close the pipe as a killed parent process would.
  const reader = child.stderr.getReader();
  await reader.read();
  await reader.cancel();
  const stdout = await new Response(child.stdout).text();
  const status = await child.status;
  assertEquals(status.code, 0);
  assertEquals(stdout, "finished\n");
});
