/**
 * Child process of `deno task reproduce --jobs N`: executes one resolved run,
 * writes its record to the result store, and reports the outcome to the
 * parent through its exit code (0 done, 10 failed, 11 not available,
 * 12 invalid job, 13 parent gone). The parent starts it; it is not meant to be run by hand.
 *
 *     deno run -A bin/run_job.ts --cache DIR JOB_JSON
 *
 * The child exits when its standard input closes, which happens when the
 * parent process ends, and the run then resumes from its checkpoint next time.
 */
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { initBackend, parseBackendName } from "../lib/engine/mod.ts";
import { runJobInChild } from "../lib/experiment/mod.ts";
import { runEntropyMemory } from "../lib/experiment/executors/entropy_memory.ts";
import { trainExecutor } from "../lib/experiment/executors/train_run.ts";
import { log } from "../lib/io/log.ts";

const root = resolve(new URL("..", import.meta.url).pathname);
const { values: flags, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { cache: { type: "string", default: join(root, ".cache", "wetok") } },
});
if (positionals.length !== 1) {
  log.error(
    `run_job: expected one argument, the job as JSON, got ${positionals.length}; ` +
      `this entry is started by deno task reproduce --jobs N`,
  );
  Deno.exit(2);
}

const code = await runJobInChild({
  jobText: positionals[0],
  parentPipe: Deno.stdin.readable,
  prepare: async (job) => {
    await initBackend(parseBackendName(job.backend));
    return {
      "entropy-memory": runEntropyMemory,
      train: trainExecutor({ cacheDir: resolve(flags.cache!) }),
    };
  },
}).catch((err) => {
  log.error("run_job failed", err);
  return 2;
});
Deno.exit(code);
