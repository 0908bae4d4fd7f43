/**
 * Runs one sweep of the entropy approximation-error study from its config and
 * returns its records, check totals and figure descriptions.
 */
import { log } from "../io/log.ts";
import { type CostRecords, runCostVsBits } from "./study_cost.ts";
import type {
  CostVsBitsSweep,
  ErrorVsCorrelationSweep,
  ErrorVsGroupsSweep,
  ErrorVsTemperatureSweep,
  EstimatorScatterSweep,
  NonNestedSearchSweep,
  SweepConfig,
} from "./study_config.ts";
import {
  costFigures,
  errorVsCorrelationFigures,
  errorVsGroupsFigures,
  errorVsTemperatureFigures,
  estimatorScatterFigures,
  nonNestedFigures,
  type StudyFigure,
} from "./study_figures.ts";
import {
  type MeasurementRecord,
  runErrorVsCorrelation,
  runErrorVsGroups,
  runErrorVsTemperature,
  runEstimatorScatter,
  runNonNestedSearch,
  type SearchRecords,
  type SweepRecords,
} from "./study_sweeps.ts";

/** A finished sweep: its config, records and figures, by sweep kind. */
export type SweepRun =
  | { sweep: "error-vs-groups"; config: ErrorVsGroupsSweep; result: SweepRecords<MeasurementRecord>; figures: StudyFigure[]; seconds: number }
  | {
    sweep: "error-vs-correlation";
    config: ErrorVsCorrelationSweep;
    result: SweepRecords<MeasurementRecord & { correlation: number; blockSize: number }>;
    figures: StudyFigure[];
    seconds: number;
  }
  | { sweep: "error-vs-temperature"; config: ErrorVsTemperatureSweep; result: SweepRecords<MeasurementRecord>; figures: StudyFigure[]; seconds: number }
  | { sweep: "estimator-scatter"; config: EstimatorScatterSweep; result: SweepRecords<MeasurementRecord>; figures: StudyFigure[]; seconds: number }
  | { sweep: "cost-vs-d"; config: CostVsBitsSweep; result: CostRecords; figures: StudyFigure[]; seconds: number }
  | { sweep: "non-nested-search"; config: NonNestedSearchSweep; result: SearchRecords; figures: StudyFigure[]; seconds: number };

/**
 * Runs the sweep described by `config`, logging its start and end. The cost
 * sweep runs on the active TensorFlow.js backend; the others need none.
 */
export async function runSweep(config: SweepConfig): Promise<SweepRun> {
  const started = performance.now();
  log.info(`entropy study: ${config.id} (${config.sweep}) started, N=${config.tokens} tokens`);
  const elapsed = () => (performance.now() - started) / 1000;
  let run: SweepRun;
  switch (config.sweep) {
    case "error-vs-groups": {
      const result = runErrorVsGroups(config);
      run = { sweep: config.sweep, config, result, figures: errorVsGroupsFigures(config, result.records), seconds: elapsed() };
      break;
    }
    case "error-vs-correlation": {
      const result = runErrorVsCorrelation(config);
      run = { sweep: config.sweep, config, result, figures: errorVsCorrelationFigures(config, result.records), seconds: elapsed() };
      break;
    }
    case "error-vs-temperature": {
      const result = runErrorVsTemperature(config);
      run = { sweep: config.sweep, config, result, figures: errorVsTemperatureFigures(config, result.records), seconds: elapsed() };
      break;
    }
    case "estimator-scatter": {
      const result = runEstimatorScatter(config);
      run = { sweep: config.sweep, config, result, figures: estimatorScatterFigures(config, result.records), seconds: elapsed() };
      break;
    }
    case "cost-vs-d": {
      const result = await runCostVsBits(config);
      run = { sweep: config.sweep, config, result, figures: costFigures(config, result), seconds: elapsed() };
      break;
    }
    case "non-nested-search": {
      const result = runNonNestedSearch(config);
      run = { sweep: config.sweep, config, result, figures: nonNestedFigures(config, result), seconds: elapsed() };
      break;
    }
  }
  log.info(`entropy study: ${config.id} finished in ${run.seconds.toFixed(1)} s, ${run.figures.length} figure(s)`);
  return run;
}
