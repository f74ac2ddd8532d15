/**
 * Dials: hyperparameter optimization for TypeScript.
 * @example
 * import { createStudy } from 'dials';
 * const study = await createStudy({ direction: 'minimize' });
 * await study.optimize((t) => (t.suggestFloat('x', -10, 10) - 2) ** 2, { nTrials: 50 });
 */
export {
  DialsError,
  DuplicateStudyError,
  InvalidArgumentError,
  InvalidDistributionError,
  LeaseLostError,
  SchemaVersionError,
  StorageError,
  StorageUrlError,
  StudyNotFoundError,
  TrialFinishedError,
  TrialNotFoundError,
  TrialPruned,
  type ErrorCode,
} from './errors.js';
export { decodeJson, encodeJson, type JsonValue } from './json.js';
export {
  type CategoricalChoice,
  type CategoricalDistribution,
  categoricalDistribution,
  contains,
  type Distribution,
  distributionsEqual,
  type FloatDistribution,
  floatDistribution,
  type IntDistribution,
  intDistribution,
  type ParamValue,
  type SearchSpace,
} from './space/distributions.js';
export { TRIAL_STATES, type FinalState, type StudyDirection, type TrialState } from './trial/state.js';
export type { FrozenTrial, IntermediateValue } from './trial/frozen-trial.js';
export { CONSTRAINTS_ATTR, constraintsOf, constraintViolation, isFeasible } from './trial/constraints.js';
export type {
  AttrWrite,
  EnqueueInput,
  LeasePolicy,
  ParamWrite,
  ReapedTrial,
  StartedTrial,
  StartTrialInput,
  Storage,
  StorageCapabilities,
  StudyRecord,
  StudySummary,
  TrialPatch,
  TrialQuery,
} from './storage/storage.js';
export { openStorage, type OpenStorageOptions } from './storage/open-storage.js';
export { MemoryStorage } from './storage/memory/memory-storage.js';
export type { Sampler, StudyView, TrialView } from './samplers/sampler.js';
export { intersectionSearchSpace } from './samplers/search-space.js';
export { RandomSampler } from './samplers/random/random-sampler.js';
export { GridSampler } from './samplers/grid/grid-sampler.js';
export { SobolSampler } from './samplers/sobol/sobol-sampler.js';
export { AutoSampler, type AutoSamplerOptions, type AutoChoice, AUTO_SAMPLER_ATTR, chooseSampler } from './samplers/auto.js';
export { GpSampler, type GpSamplerOptions } from './samplers/gp/gp-sampler.js';
export { TpeSampler, type TpeSamplerOptions } from './samplers/tpe/tpe-sampler.js';
export { NsgaIISampler, type NsgaIISamplerOptions } from './samplers/nsga/nsga2-sampler.js';
export { NsgaIIISampler, type NsgaIIISamplerOptions } from './samplers/nsga/nsga3-sampler.js';
export type { CrossoverOption, MutationOption } from './samplers/nsga/operators.js';
export { hypervolume } from './math/hypervolume.js';
export {
  evaluateParamImportances,
  getParamImportances,
  getParamInteractions,
  IMPORTANCE_EVALUATORS,
  type ImportanceEvaluatorName,
  type ImportanceOptions,
  type ImportanceReport,
  type InteractionOptions,
  type ParamImportance,
  type ParamInteraction,
} from './importance/importance.js';
export type { ImportanceEvaluator } from './importance/evaluator.js';
export type { ImportanceData, ImportanceFeature, ImportanceTarget } from './importance/dataset.js';
export { FanovaEvaluator, type FanovaOptions } from './importance/fanova.js';
export { PedAnovaEvaluator, type PedAnovaOptions } from './importance/ped-anova.js';
export { MeanDecreaseImpurityEvaluator, type MeanDecreaseImpurityOptions } from './importance/mean-decrease-impurity.js';
export type { ForestOptions } from './importance/forest.js';
export { CmaEsSampler, type CmaEsSamplerOptions, type CmaEsSamplerState } from './samplers/cmaes/cmaes-sampler.js';
export { NopPruner, type PruneContext, type Pruner } from './pruners/pruner.js';
export { MedianPruner, PercentilePruner, type PercentilePrunerOptions } from './pruners/percentile-pruner.js';
export { ThresholdPruner, type ThresholdPrunerOptions } from './pruners/threshold-pruner.js';
export { PatientPruner, type PatientPrunerOptions } from './pruners/patient-pruner.js';
export { type RankBy, SuccessiveHalvingPruner, type SuccessiveHalvingPrunerOptions } from './pruners/successive-halving-pruner.js';
export { HyperbandPruner, type HyperbandPrunerOptions } from './pruners/hyperband-pruner.js';
export { WilcoxonPruner, type WilcoxonPrunerOptions } from './pruners/wilcoxon-pruner.js';
export { wilcoxonSignedRank, type WilcoxonResult } from './pruners/wilcoxon-test.js';
export { createPruner, PRUNER_TYPES, type PrunerSpec } from './pruners/create-pruner.js';
export type { Fold, Label, SplitInput, Splitter } from './cv/splitter.js';
export { KFold, type KFoldOptions } from './cv/k-fold.js';
export { StratifiedKFold, type StratifiedKFoldOptions } from './cv/stratified-k-fold.js';
export { GroupKFold, type GroupKFoldOptions } from './cv/group-k-fold.js';
export { RepeatedKFold, RepeatedStratifiedKFold, type RepeatedKFoldOptions } from './cv/repeated-k-fold.js';
export { crossValidate, type CrossValidateOptions, type CrossValidationRecord, type CrossValidationTrial } from './cv/cross-validate.js';
export { type ArtifactStore, defaultArtifactStore, FileArtifactStore, MemoryArtifactStore } from './pbt/artifact-store.js';
export { type PbtCommandEnv, pbtCommandEnv } from './pbt/command.js';
export { learnedSchedule, PBT_SEGMENT_ATTR, type PbtExploit, type PbtScheduleEntry, type PbtSegmentInfo, type PbtSegmentRecord } from './pbt/records.js';
export {
  type PbtCheckpoint,
  type PbtExploreOption,
  type PbtMember,
  type PbtMemberContext,
  type PbtMemberResult,
  type PbtResult,
  PbtSegmentFailed,
  type PbtSegmentFn,
  type PbtSegmentIo,
  type PbtSegmentJob,
  type PbtStepContext,
  pbtSegments,
  type RunPbtOptions,
  runPbt,
} from './pbt/run-pbt.js';
export type { PbtChange, PbtParams, PbtParamSpec, PbtSpace } from './pbt/space.js';
export { type LoadTfjsOptions, loadTfjs, type Tfjs } from './tfjs/load-tfjs.js';
export { type Dataset, type DatasetName, loadDataset, type Split, standardize, trainValidationSplit } from './tfjs/datasets.js';
export { type Evaluation, MlpClassifier, type MlpPbtParams, type MlpSpec, mlpPbtMember } from './tfjs/mlp-classifier.js';
export {
  type Architecture,
  architectureFromParams,
  type ConvBlock,
  type DenseBlock,
  describeArchitecture,
  type NasActivation,
  type NasBlock,
  type NasFamily,
  type NasNorm,
  type NasOptimizer,
  type NasOptimizerKind,
  type NasSkip,
  type NasSpaceOptions,
  type ParamSource,
  suggestArchitecture,
} from './nas/architecture.js';
export { buildModel, countParams, type NasEvaluation, type NasInput, NasNetwork } from './nas/nas-network.js';
export { type NasObjectiveOptions, type NasTrialRecord, nasObjective, trainArchitecture } from './nas/nas-objective.js';
export {
  agingPopulation,
  type EvolutionPlan,
  RegularizedEvolutionSampler,
  type RegularizedEvolutionSamplerOptions,
  tournament,
} from './nas/regularized-evolution-sampler.js';
export { Trial, type SuggestFloatOptions, type SuggestIntOptions } from './study/trial.js';
export { Study, type HeartbeatOptions, type Objective, type OptimizeOptions, type TrialResult } from './study/study.js';
export {
  createStudy,
  type CreateStudyOptions,
  deleteStudy,
  listStudies,
  loadStudy,
  type LoadStudyOptions,
} from './study/create-study.js';
export { type CommandSpec, loadConfig, parseConfigText, type TuneConfig } from './config/load-config.js';
export { ConfigError, type ConfigIssue } from './config/config-error.js';
export { buildFromRegistry, type ParamSpec, type RegistryContext } from './config/registry.js';
export { formatDuration, parseDuration } from './config/duration.js';
export { tune, type TuneOptions, type TuneSummary } from './runner/tune.js';
export { type CommandOutcome, type RunCommandOptions, type RunningCommand, runCommand } from './runner/run-command.js';
export { parseReportLine, type Report } from './runner/protocol.js';
export { type Dashboard, type DashboardOptions, startDashboard } from './dashboard/server/start.js';
export {
  type AutomlEnsemble,
  type AutomlOptions,
  type AutomlPruner,
  type AutomlResult,
  automl,
  crossValidatePipeline,
  cvFolds,
  type LeaderboardEntry,
  type PipelineCvOptions,
} from './automl/automl.js';
export { type ColumnKind, type Frame, frameFromRecords, parseCsv, readCsvText } from './automl/csv.js';
export { crossValidateEnsemble, type EnsembleSelection, type EnsembleSelectionInput, selectEnsemble } from './automl/ensemble.js';
export { DEFAULT_CONFIGS, defaultConfig, familiesFor, MODEL_FAMILIES, type PipelineConfig, PORTFOLIO_CONFIGS } from './automl/families.js';
export { type MetricName, metricDirection } from './automl/metrics.js';
export {
  type AutomlModelFile,
  type EnsembleModelFile,
  type LoadedModel,
  loadModel,
  modelFromJson,
  type PredictOptions,
  type Predictions,
  predict,
  readCsvFile,
  saveModel,
} from './automl/model-file.js';
export { FAMILY_NAMES, type FamilyName, type FittedModel, type ModelFamily, type Task } from './automl/models/model.js';
export { type GbdtOptions, type GbdtState, gbdtProba, gbdtRaw, trainGbdt } from './automl/models/gbdt.js';
export {
  BASELINE_ATTR,
  type Baseline,
  type BaselineFitOptions,
  type BaselineImprovement,
  baselineOf,
  baselineRef,
  type EnqueueBaselinesOptions,
  type EnqueuedBaseline,
  enqueueBaselines,
  fitBaselineToSpace,
  formatImprovement,
  getBaseline,
  improvementFromTrials,
  improvementOverBaseline,
  listBaselines,
  parseBaselineRef,
  registerBaseline,
} from './baselines/index.js';
export {
  type Cell,
  checkMapping,
  computeMetaFeatures,
  type LoadedSource,
  loadWarmStartSources,
  mapTrials,
  META_FEATURE_KEYS,
  META_FEATURES_ATTR,
  type MetaFeatures,
  metaFeatureCandidates,
  type ParamMapping,
  type RankedCandidate,
  type RescaleRule,
  suggestWarmStart,
  type TabularDataset,
  WARM_START_ATTR,
  type WarmStartCandidate,
  type WarmStartOptions,
  type WarmStartRecord,
  type WarmStartSource,
  warmStartCmaEs,
  warmStartRecord,
  warmStartSampler,
} from './transfer/index.js';
