/**
 * The dashboard's importance fits, in a worker thread (./importance-runner.ts
 * starts it): a forest over 2,000 trials takes up to seconds, which the
 * server's event loop must not spend. Answers one request at a time, by id.
 */
import { parentPort } from 'node:worker_threads';
import { DialsError } from '../../errors.js';
import { evaluateParamImportances } from '../../importance/importance.js';
import type { ImportanceJob, ImportanceJobResult } from './importance-runner.js';

const port = parentPort;
if (port) {
  port.on('message', (job: ImportanceJob) => {
    let out: ImportanceJobResult;
    try {
      const r = evaluateParamImportances(job.trials, job.directions, job.options);
      out = {
        id: job.id,
        ok: true,
        report: {
          evaluator: r.evaluator,
          nTrials: r.nTrials,
          ranked: r.ranked.map((x) => ({ param: x.param, importance: x.importance })),
          interactions: r.interactions ? r.interactions.map((p) => ({ params: [p.params[0], p.params[1]], importance: p.importance })) : null,
        },
      };
    } catch (e) {
      out = { id: job.id, ok: false, code: e instanceof DialsError ? e.code : null, message: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(out);
  });
}
