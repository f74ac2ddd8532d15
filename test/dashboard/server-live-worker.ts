/**
 * A worker process for the dashboard's live tests: runs `nTrials` random-search
 * trials on a study and prints one JSON line per stored trial, then {"done"}.
 * argv[2]: {"storage", "studyName", "nTrials", "seed", "reports"}.
 */
import { loadStudy, RandomSampler } from '../../src/index.js';

const { storage, studyName, nTrials, seed, reports } = JSON.parse(process.argv[2] as string) as {
  storage: string;
  studyName: string;
  nTrials: number;
  seed: number;
  reports: number;
};
const study = await loadStudy({ studyName, storage, sampler: new RandomSampler({ seed }) });
let errors = 0;
try {
  await study.optimize(
    (t) => {
      const x = t.suggestFloat('x', -5, 5);
      const y = t.suggestInt('y', 0, 10);
      for (let s = 0; s < reports; s++) t.report(x * x + y / (s + 1), s);
      return x * x + y;
    },
    { nTrials, callbacks: [(_s, frozen) => void process.stdout.write(`${JSON.stringify({ number: frozen.number, state: frozen.state })}\n`)] },
  );
} catch (e) {
  errors++;
  process.stdout.write(`${JSON.stringify({ error: String((e as Error).message) })}\n`);
}
process.stdout.write(`${JSON.stringify({ done: true, errors })}\n`);
await study.close();
