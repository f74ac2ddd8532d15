export {
  BASELINE_ATTR,
  type BaselineImprovement,
  baselineOf,
  type EnqueueBaselinesOptions,
  type EnqueuedBaseline,
  enqueueBaselines,
  formatImprovement,
  improvementFromTrials,
  improvementOverBaseline,
} from './baselines.js';
export {
  type Baseline,
  type BaselineFitOptions,
  baselineRef,
  fitBaselineToSpace,
  getBaseline,
  listBaselines,
  parseBaselineRef,
  registerBaseline,
} from './registry.js';
