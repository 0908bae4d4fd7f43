/**
 * Child process of the kill-and-resume test. It trains the tiny config in the
 * run folder given as the first argument, resuming from its newest checkpoint.
 * After each update it sleeps the milliseconds given as the second argument,
 * so that the parent can kill it mid-run.
 */
import { initBackend } from "../../lib/engine/mod.ts";
import { Trainer } from "../../lib/train/trainer.ts";
import { tinyComponents } from "./_tiny.ts";
import { tinyConfig } from "./_tiny_config.ts";

const [runDir, delayArg = "0"] = Deno.args;
if (runDir === undefined) throw new Error("usage: _resume_child.ts RUN_DIR [DELAY_MS]");
const delayMs = Number(delayArg);
await initBackend("cpu", { announce: false });
const config = tinyConfig();
const trainer = await Trainer.create(config, tinyComponents(config.seed), { runDir });
while (trainer.step < trainer.totalSteps) {
  await trainer.run(trainer.step + 1);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
}
