/** Experiments: configs with three scales, run identity, result store and runner. */
export * from "./config_error.ts";
export * from "./run_config.ts";
export * from "./report_spec.ts";
export * from "./experiment_config.ts";
export * from "./run_id.ts";
export * from "./provenance.ts";
export * from "./result.ts";
export * from "./result_store.ts";
export * from "./executor.ts";
export * from "./execute_run.ts";
export * from "./reuse.ts";
export * from "./runner.ts";
export * from "./reevaluate.ts";
export * from "./run_job.ts";
export * from "./child_process_launcher.ts";
export * from "./parallel_runner.ts";
