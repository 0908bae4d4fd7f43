/**
 * Child entry for parallel runner tests: runs one job with the fake executor,
 * as `bin/run_job.ts` does with the real executors.
 * Usage: deno run -A _run_job_child.ts FAKE_OPTIONS_JSON JOB_JSON
 */
import { runJobInChild } from "../../lib/experiment/mod.ts";
import { fakeExecutor } from "./_fake_executor.ts";

const [fakeOptions, jobText] = Deno.args;
const code = await runJobInChild({
  jobText,
  parentPipe: Deno.stdin.readable,
  prepare: () => Promise.resolve({ train: fakeExecutor(JSON.parse(fakeOptions)) }),
});
Deno.exit(code);
