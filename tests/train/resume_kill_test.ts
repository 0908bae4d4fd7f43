import { assert, assertEquals, assertLess } from "@std/assert";
import { fileURLToPath } from "node:url";
import { listCheckpoints } from "../../lib/train/checkpoint.ts";
import { readMetrics } from "../../lib/train/metrics_log.ts";
import { assertSameLosses } from "./_resume.ts";

const CHILD = fileURLToPath(new URL("./_resume_child.ts", import.meta.url));

function spawnChild(runDir: string, delayMs: number): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, runDir, String(delayMs)],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Waits until the run folder contains a checkpoint at or after `step`. */
async function waitForCheckpoint(
  runDir: string,
  step: number,
  child: Deno.ChildProcess,
): Promise<void> {
  let exited = false;
  child.status.then(() => (exited = true));
  for (;;) {
    const all = await listCheckpoints(runDir);
    if (all.some((c) => c.step >= step)) return;
    if (exited) throw new Error(`child exited before writing checkpoint ${step}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("Trainer resumes after SIGKILL with equal losses", async () => {
  const whole = await Deno.makeTempDir({ prefix: "kill_whole_" });
  const status = await spawnChild(whole, 0).status;
  assert(status.success, `uninterrupted child failed with code ${status.code}`);
  const expected = await readMetrics(`${whole}/metrics.jsonl`);
  assertEquals(expected.length, 30);

  // Kill twice: once in stage 1 and once in stage 2 (stage 1 ends at update 20).
  const killed = await Deno.makeTempDir({ prefix: "kill_parts_" });
  for (const [after, extraMs] of [[5, 45], [20, 70]]) {
    const child = spawnChild(killed, 20);
    await waitForCheckpoint(killed, after, child);
    await new Promise((resolve) => setTimeout(resolve, extraMs));
    child.kill("SIGKILL");
    const killedStatus = await child.status;
    assertEquals(killedStatus.signal, "SIGKILL");
    const partial = await readMetrics(`${killed}/metrics.jsonl`);
    assertLess(partial.length, 30, "the child finished before it was killed");
  }
  const resumed = await spawnChild(killed, 0).status;
  assert(resumed.success, `resumed child failed with code ${resumed.code}`);

  const got = await readMetrics(`${killed}/metrics.jsonl`);
  assertEquals(got.map((r) => r.step), expected.map((r) => r.step));
  assertSameLosses(got, expected);
  await Deno.remove(whole, { recursive: true });
  await Deno.remove(killed, { recursive: true });
});
