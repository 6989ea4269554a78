export { calibrationMarkdown } from './calibration-markdown.js';
export type { Random } from './prng.js';
export { binomial, mulberry32, normal, poisson } from './prng.js';
export type {
  AaFigure,
  CalibrationOptions,
  CalibrationReport,
  PowerFigure,
} from './run-calibration.js';
export { runCalibration, SEED_CONFIG } from './run-calibration.js';
export type { ArmModel, RolloutRun, RolloutScenario } from './simulate-rollout.js';
export { simulateRollout } from './simulate-rollout.js';
