export { checkMapping, mapTrials, type ParamMapping, type RescaleRule } from './mapping.js';
export {
  type Cell,
  computeMetaFeatures,
  META_FEATURE_KEYS,
  META_FEATURES_ATTR,
  type MetaFeatures,
  metaFeatureCandidates,
  type RankedCandidate,
  suggestWarmStart,
  type TabularDataset,
  type WarmStartCandidate,
} from './meta-features.js';
export { leaveOneOutMeans, RankingWeightedEnsemble, type RankingWeightedEnsembleOptions } from './rgpe.js';
export {
  type GpWarmStartModel,
  type LoadedSource,
  loadWarmStartSources,
  WARM_START_ATTR,
  type WarmStartOptions,
  type WarmStartRecord,
  type WarmStartSource,
  warmStartCmaEs,
  warmStartRecord,
  warmStartSampler,
} from './warm-start.js';
