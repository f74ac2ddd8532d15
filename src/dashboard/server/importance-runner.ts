/**
 * Runs the dashboard's importance fits off the event loop, in one worker
 * thread (./importance-worker.ts) started on first use, so a forest fit of
 * up to seconds never holds the other requests. Where no worker can start
 * (a build without the importance module, or a runner that cannot load the
 * worker's source), fits run in-process, as before.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FrozenTrial } from '../../trial/frozen-trial.js';
import type { StudyDirection } from '../../trial/state.js';
import type { ImportanceEvaluator } from '../api.js';

export interface ImportanceRunReport {
  readonly evaluator: string;
  readonly nTrials: number;
  readonly ranked: readonly { readonly param: string; readonly importance: number }[];
  readonly interactions: readonly { readonly params: readonly [string, string]; readonly importance: number }[] | null;
}

export interface ImportanceRunOptions {
  readonly evaluator: ImportanceEvaluator;
  readonly target: number;
  readonly pairs: boolean;
}

export interface ImportanceJob {
  readonly id: number;
  readonly trials: readonly FrozenTrial[];
  readonly directions: readonly StudyDirection[];
  readonly options: ImportanceRunOptions;
}

export type ImportanceJobResult =
  | { readonly id: number; readonly ok: true; readonly report: ImportanceRunReport }
  | { readonly id: number; readonly ok: false; readonly code: string | null; readonly message: string };

/** An importance fit that failed: `code` is the DialsError code when there was one (NO_TRIALS, INVALID_ARGUMENT…). */
export class ImportanceFitError extends Error {
  constructor(
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

interface InProcessModule {
  evaluateParamImportances(trials: readonly FrozenTrial[], directions: readonly StudyDirection[], options: ImportanceRunOptions): ImportanceRunReport;
}

export class ImportanceRunner {
  private worker: Worker | null = null;
  /** False once a worker failed to start or died: fits then run in-process. */
  private workerUsable = true;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: ImportanceRunReport) => void; reject: (e: Error) => void; job: ImportanceJob }>();
  private inProcess: Promise<InProcessModule | null> | null = null;

  /** Where the last fit ran ('worker' or 'in-process'), null before the first. */
  lastRanIn: 'worker' | 'in-process' | null = null;

  /** Whether fits run in the worker thread (started and not failed), not on the event loop. */
  get inWorker(): boolean {
    return this.worker !== null && this.workerUsable;
  }

  /** Whether this build has the importance module at all. */
  async available(): Promise<boolean> {
    return (await this.module()) !== null;
  }

  run(trials: readonly FrozenTrial[], directions: readonly StudyDirection[], options: ImportanceRunOptions): Promise<ImportanceRunReport> {
    const job: ImportanceJob = { id: this.nextId++, trials, directions, options };
    const w = this.workerUsable ? this.start() : null;
    if (!w) return this.runInProcess(job);
    return new Promise((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject, job });
      w.postMessage(job);
    });
  }

  close(): void {
    this.workerUsable = false;
    const w = this.worker;
    this.worker = null;
    void w?.terminate();
    for (const p of this.pending.values()) p.reject(new ImportanceFitError(null, 'the dashboard closed before the importance fit ended'));
    this.pending.clear();
  }

  private module(): Promise<InProcessModule | null> {
    if (!this.inProcess) {
      const spec = '../../importance/importance.js';
      this.inProcess = (import(spec) as Promise<InProcessModule>).catch(() => null);
    }
    return this.inProcess;
  }

  private async runInProcess(job: ImportanceJob): Promise<ImportanceRunReport> {
    const mod = await this.module();
    if (!mod) throw new ImportanceFitError('NOT_AVAILABLE', 'parameter importance is not part of this build');
    this.lastRanIn = 'in-process';
    try {
      return mod.evaluateParamImportances(job.trials, job.directions, job.options);
    } catch (e) {
      const code = e !== null && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : null;
      throw new ImportanceFitError(code, e instanceof Error ? e.message : String(e));
    }
  }

  private start(): Worker | null {
    if (this.worker) return this.worker;
    let w: Worker;
    try {
      // The worker's file beside this one, with this file's extension: .js when built; .ts when running from the
      // sources (development, tests), where the worker registers tsx itself (a loader registered in the main
      // thread does not reach worker threads).
      const ext = extname(fileURLToPath(import.meta.url));
      const file = new URL(`./importance-worker${ext}`, import.meta.url);
      if (ext === '.ts') {
        // import.meta.resolve gives tsx's ESM entry (a runner without it, such as the test runner, fits in-process).
        const tsx = import.meta.resolve('tsx/esm/api');
        const boot = `import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(file.href)}))`;
        w = new Worker(boot, { eval: true, execArgv: [] });
      } else w = new Worker(file);
    } catch {
      this.workerUsable = false;
      return null;
    }
    w.unref();
    w.on('message', (r: ImportanceJobResult) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      this.lastRanIn = 'worker';
      if (r.ok) p.resolve(r.report);
      else p.reject(new ImportanceFitError(r.code, r.message));
    });
    const fail = () => {
      // The worker could not load or died: what it held is fitted in-process, and so is everything after.
      if (this.worker !== w) return;
      this.worker = null;
      this.workerUsable = false;
      const jobs = [...this.pending.values()];
      this.pending.clear();
      for (const p of jobs) this.runInProcess(p.job).then(p.resolve, p.reject);
    };
    w.on('error', fail);
    w.on('exit', fail);
    this.worker = w;
    return w;
  }
}
