/**
 * libsvm training in a worker thread, so that a time limit can stop it.
 * libsvm's solver runs up to max(10⁷, 100·n) iterations in one synchronous
 * asm.js call (a linear kernel with a large cost on overlapping classes
 * reaches that: "WARNING: reaching max number of iterations", minutes on a
 * thousand rows); nothing between its iterations can run on the calling
 * thread. Here the fit runs in one long-lived worker per process; at the
 * deadline the worker is terminated (the next fit starts another) and the
 * fit rejects with a FitTimeoutError. The worker returns libsvm's text
 * model, which the caller loads for prediction (as a saved model is).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { DialsError } from '../../errors.js';
import { FitTimeoutError } from './model.js';

/** libsvm-js's constructor options (numbers for its type and kernel enums). */
export type SvmTrainOptions = Readonly<Record<string, number | boolean>>;

// CommonJS, evaluated by the worker (no file to find beside the compiled or the TypeScript source).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const SVM = require(workerData.libsvm);
parentPort.on('message', (job) => {
  let svm;
  try {
    svm = new SVM(job.options);
    svm.train(job.x, job.y);
    parentPort.postMessage({ id: job.id, model: svm.serializeModel() });
  } catch (e) {
    parentPort.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) });
  } finally {
    if (svm) svm.free();
  }
});
`;

let worker: Worker | undefined;
let nextId = 0;
/** Fits run one at a time (the worker is single-threaded); each waits for the previous one. */
let queue: Promise<unknown> = Promise.resolve();

function libsvmPath(): string {
  try {
    return createRequire(import.meta.url).resolve('libsvm-js/asm.js');
  } catch (e) {
    throw new DialsError('INVALID_ARGUMENT', 'libsvm-js is not installed; it is an optional dependency of dials used by dials automl: npm install libsvm-js', {
      cause: e,
    });
  }
}

function spawn(): Worker {
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { libsvm: libsvmPath() } });
  // Idle, the worker does not keep the process alive.
  w.unref();
  return w;
}

/** The training worker's thread id, undefined when there is none (tests: it is reused, and replaced after a timeout). */
export function svmWorkerThreadId(): number | undefined {
  return worker?.threadId;
}

/**
 * Trains a libsvm model on x, y with `options` in the worker and resolves to its text model. Past `deadline`
 * (Date.now() ms) the worker is terminated and the promise rejects with a FitTimeoutError.
 */
export function trainSvm(options: SvmTrainOptions, x: readonly (readonly number[])[], y: readonly number[], deadline?: number): Promise<string> {
  const run = queue.then(() => runJob(options, x, y, deadline));
  queue = run.catch(() => undefined);
  return run;
}

function runJob(options: SvmTrainOptions, x: readonly (readonly number[])[], y: readonly number[], deadline: number | undefined): Promise<string> {
  if (deadline !== undefined && Date.now() > deadline) return Promise.reject(new FitTimeoutError('svm', 'before training', deadline));
  worker ??= spawn();
  const w = worker;
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      w.unref();
    };
    const lose = (): void => {
      if (worker === w) worker = undefined;
    };
    const onMessage = (m: { id: number; model?: string; error?: string }): void => {
      if (m.id !== id) return;
      done();
      if (m.error !== undefined) reject(new DialsError('INVALID_ARGUMENT', `libsvm could not train: ${m.error}`));
      else resolve(m.model as string);
    };
    const onError = (e: Error): void => {
      done();
      lose();
      reject(new DialsError('INVALID_ARGUMENT', `the SVM training worker failed: ${e.message}`, { cause: e }));
    };
    const onExit = (code: number): void => {
      done();
      lose();
      reject(new DialsError('INVALID_ARGUMENT', `the SVM training worker exited (code ${code}) before it answered`));
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.ref();
    // setTimeout takes at most 2³¹ − 1 ms (a longer delay fires at once): a deadline further off is no limit.
    if (deadline !== undefined && deadline - Date.now() < 2 ** 31 - 1) {
      timer = setTimeout(
        () => {
          done();
          lose();
          void w.terminate();
          reject(new FitTimeoutError('svm', 'while training (libsvm was still iterating)', deadline));
        },
        Math.max(0, deadline - Date.now()),
      );
    }
    w.postMessage({ id, options, x, y });
  });
}
