import { describe, it } from 'vitest';
import { runStorageConformance } from '../conformance.js';
import { MemoryStorage } from './memory-storage.js';

runStorageConformance({ describe, it }, { name: 'memory', open: async () => new MemoryStorage() });
