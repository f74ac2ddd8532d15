/** Conformance suites for new storage backends and samplers. */
export { runStorageConformance, type StorageConformanceOptions, type TestApi } from './storage/conformance.js';
export { runSamplerConformance, SAMPLER_SUITE_SPACE, suiteObjective, type SamplerConformanceOptions } from './samplers/conformance.js';
