/**
 * Exports a trained WeTok tokenizer (arXiv 2508.05599) from a training
 * checkpoint as a self-describing bundle: config.json, weights.safetensors
 * (official state-dict names, PyTorch OIHW layout) and README.md.
 *
 * Usage: deno task export --checkpoint PATH --out DIR [--weights ema|raw]; see --help.
 */
import { join } from "node:path";
import { initBackend } from "../lib/engine/mod.ts";
import { codeVersion } from "../lib/experiment/provenance.ts";
import { errorMessage, log } from "../lib/io/log.ts";
import { exportBundle, loadTokenizerFromCheckpoint } from "../lib/tokenizer/mod.ts";
import { exitWithUsageError, parseCliArgs } from "./_cli.ts";

const HELP = `Usage: deno task export --checkpoint PATH --out DIR [--weights ema|raw]

Writes a tokenizer bundle to DIR: config.json (architecture, quantizer, bit order,
compression ratio, training provenance), weights.safetensors (float32, official
WeTok state-dict names, PyTorch layout: conv kernels OIHW, linear [out, in]) and
README.md. Load it with "deno task tokenize --bundle DIR" or in PyTorch.

Options:
  --checkpoint PATH   run folder of "deno task train" (its newest ckpt-*.wtk) or one .wtk file
  --out DIR           bundle folder, created when missing; existing bundle files are replaced
  --weights ema|raw   EMA weights (default, as used for evaluation) or the trained values
  --help              print this text

Exit status: 0 when the bundle was written, 2 for invalid options or a checkpoint
that cannot be loaded, 1 for any other failure, such as a bundle file that
cannot be written.`;

const { values } = parseCliArgs("export", {
  options: {
    checkpoint: { type: "string" },
    out: { type: "string" },
    weights: { type: "string", default: "ema" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
for (const flag of ["checkpoint", "out"] as const) {
  if (values[flag] === undefined) {
    exitWithUsageError("export", `missing --${flag}`);
  }
}
if (values.weights !== "ema" && values.weights !== "raw") {
  exitWithUsageError("export", `invalid --weights "${values.weights}": use ema or raw`);
}

// Export only copies weights, so the pure-JavaScript backend is enough.
await initBackend("cpu", { announce: false });
let loaded;
try {
  loaded = await loadTokenizerFromCheckpoint(values.checkpoint!, { weights: values.weights });
} catch (err) {
  console.error(`error: ${errorMessage(err)}`);
  Deno.exit(2);
}
const { tokenizer, provenance } = loaded;
const repoDir = new URL("..", import.meta.url).pathname;
let code: Record<string, unknown> | null = null;
try {
  code = { ...(await codeVersion(repoDir)) };
} catch (err) {
  log.warn(`export: the bundle records no code version: ${errorMessage(err)}`);
}
log.info(
  `export: ${provenance.weights} weights of ${provenance.checkpoint} (step ${provenance.step}) to ${values.out}`,
);
const config = await exportBundle(tokenizer, values.out!, provenance, {
  code,
  exportedAt: new Date().toISOString(),
});
tokenizer.dispose();
log.info(`export: done, ${config.weights.tensors} tensors, ${config.weights.parameters} values`);
console.log(
  JSON.stringify({
    bundle: values.out,
    config: join(values.out!, "config.json"),
    ...config.quantizer,
  }),
);
