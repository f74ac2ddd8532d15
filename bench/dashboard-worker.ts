/**
 * A writer for bench/dashboard.ts: runs random-search trials (10 parameters,
 * 20 reports each, `sleepMs` of "training" per trial) on the benchmark study
 * for `seconds`, then prints one JSON line {trials, errors, p95Ms} (p95 of
 * the time to tell a trial).
 * argv[2]: {"storage", "studyName", "seconds", "seed", "sleepMs"}.
 */
import { loadStudy, NopPruner, RandomSampler } from '../src/index.js';

const { storage, studyName, seconds, seed, sleepMs } = JSON.parse(process.argv[2] as string) as {
  storage: string;
  studyName: string;
  seconds: number;
  seed: number;
  sleepMs: number;
};
let errors = 0;
let trials = 0;
const tellMs: number[] = [];
const messages: string[] = [];
try {
  // No pruner: a history-using pruner would first read all 100k trials in every worker (a library cost, not the dashboard's).
  const study = await loadStudy({ studyName, storage, sampler: new RandomSampler({ seed }), pruner: new NopPruner() });
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    try {
      const t = await study.ask();
      let v = 0;
      for (let k = 0; k < 10; k++) v += t.suggestFloat(`p${k}`, 0, 1) * (k + 1);
      for (let s = 0; s < 20; s++) t.report(v / (s + 1), s);
      if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs));
      const t0 = performance.now();
      await study.tell(t, v);
      tellMs.push(performance.now() - t0);
      trials++;
    } catch (e) {
      errors++;
      if (messages.length < 3) messages.push(String((e as Error).message));
    }
  }
  await study.close();
} catch (e) {
  errors++;
  messages.push(String((e as Error).message));
}
tellMs.sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ trials, errors, messages, p95Ms: tellMs[Math.floor(tellMs.length * 0.95)] ?? null })}\n`);
