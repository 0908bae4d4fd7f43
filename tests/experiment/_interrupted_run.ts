/**
 * Runs the test experiment at scale smoke with the fake executor, which exits
 * the process (code 3) at step 8 of run "gq-2x8": a killed job.
 * Usage: deno run -A _interrupted_run.ts RESULTS_DIR
 */
import { parseExperimentConfig, ResultStore, runExperiment } from "../../lib/experiment/mod.ts";
import { trainExperiment } from "./_fixtures.ts";
import { fakeExecutor } from "./_fake_executor.ts";

const [root] = Deno.args;
const config = parseExperimentConfig(trainExperiment(), "test.json");
await runExperiment(config, "smoke", {
  store: new ResultStore(root),
  executors: { train: fakeExecutor({ exitAt: { label: "gq-2x8", step: 8 } }) },
  codeVersion: "test-version",
  backend: "none",
});
