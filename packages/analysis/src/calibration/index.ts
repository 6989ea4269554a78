export { calibrationMarkdown } from './calibration-markdown.js';
export type { Random } from './prng.js';
export { binomial, mulberry32, normal, poisson } from './prng.js';
export type { BlueGreenOptions, BlueGreenReport, SwitchFigure } from './run-bluegreen-calibration.js';
export {
  blueGreenMarkdown,
  DRIFTS,
  runBlueGreenCalibration,
  switchFigure,
  switchScenario,
} from './run-bluegreen-calibration.js';
export type {
  AaFigure,
  CalibrationOptions,
  CalibrationReport,
  PowerFigure,
} from './run-calibration.js';
export { runCalibration, SEED_CONFIG, SEED_STEPS, seedScenario } from './run-calibration.js';
export { exponential, gamma, turnsOf, unitRate } from './session-model.js';
export type { ArmModel, RampRun, SessionScenario } from './simulate-ramp.js';
export { simulateRamp } from './simulate-ramp.js';
export type { Drift, SwitchRun, SwitchScenario } from './simulate-switch.js';
export { simulateSwitch } from './simulate-switch.js';
