/**
 * Loads TensorFlow.js for Node without the network: tfjs-core and
 * tfjs-layers with the WebAssembly backend, whose .wasm files are read from
 * node_modules/@tensorflow/tfjs-backend-wasm/dist/ (setWasmPaths), and the
 * pure-JS cpu backend as the fallback. Never the `@tensorflow/tfjs` umbrella
 * (it pulls webgl, the converter and data loaders).
 *
 * tfjs is an optional dependency: a clear error says how to install it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DialsError, InvalidArgumentError } from '../errors.js';

export type TfCore = typeof import('@tensorflow/tfjs-core');
export type TfLayers = typeof import('@tensorflow/tfjs-layers');

export interface Tfjs {
  readonly tf: TfCore;
  readonly tfl: TfLayers;
  /** The backend in use. */
  readonly backend: 'wasm' | 'cpu';
  /** Why the wasm backend was not used, when it was asked for and failed. */
  readonly fallbackReason: string | null;
}

export interface LoadTfjsOptions {
  /** 'wasm' (default; falls back to 'cpu' if it cannot start) or 'cpu'. */
  readonly backend?: 'wasm' | 'cpu';
}

let loading: Promise<Tfjs> | null = null;
let loadedBackend: 'wasm' | 'cpu' | null = null;

/**
 * tfjs-core + tfjs-layers on the wasm backend (or cpu). One backend per
 * process: the first call decides, later calls return the same instance.
 * @example const { tf, tfl } = await loadTfjs();
 */
export function loadTfjs(options: LoadTfjsOptions = {}): Promise<Tfjs> {
  const want = options.backend ?? 'wasm';
  if (want !== 'wasm' && want !== 'cpu') throw new InvalidArgumentError(`backend must be 'wasm' or 'cpu', got ${JSON.stringify(want)}`, ['backend']);
  if (loading === null) {
    loading = load(want).catch((e) => {
      loading = null;
      throw e;
    });
  } else if (options.backend !== undefined && loadedBackend !== null && loadedBackend !== want && want === 'cpu') {
    // Asking for cpu after wasm is loaded is honoured: both backends are registered.
    return loading.then(async (t) => {
      await t.tf.setBackend('cpu');
      loadedBackend = 'cpu';
      return { ...t, backend: 'cpu' as const };
    });
  }
  return loading;
}

async function importOrExplain<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    throw new DialsError(
      'INVALID_ARGUMENT',
      `${name} is not installed; it is an optional dependency of dials: npm install @tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-layers@4.22.0 @tensorflow/tfjs-backend-cpu@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0`,
      { cause: e },
    );
  }
}

async function load(want: 'wasm' | 'cpu'): Promise<Tfjs> {
  const tf = await importOrExplain<TfCore>('@tensorflow/tfjs-core');
  const tfl = await importOrExplain<TfLayers>('@tensorflow/tfjs-layers');
  await importOrExplain<unknown>('@tensorflow/tfjs-backend-cpu');
  let fallbackReason: string | null = null;
  if (want === 'wasm') {
    try {
      const wasm = await importOrExplain<typeof import('@tensorflow/tfjs-backend-wasm')>('@tensorflow/tfjs-backend-wasm');
      const require = createRequire(import.meta.url);
      const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
      wasm.setWasmPaths(`${dist}/`);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        loadedBackend = 'wasm';
        return { tf, tfl, backend: 'wasm', fallbackReason: null };
      }
      fallbackReason = 'tf.setBackend("wasm") returned false';
    } catch (e) {
      fallbackReason = e instanceof Error ? e.message : String(e);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  loadedBackend = 'cpu';
  return { tf, tfl, backend: 'cpu', fallbackReason };
}
