// One benchmark worker: waits for the common start time, runs N trials of an
// empty objective (5 float suggestions), prints {"n", "end"} as JSON.
import { loadStudy, RandomSampler } from 'dials';

const [url, studyName, nText, startAtText, seedText] = process.argv.slice(2);
const study = await loadStudy({ studyName, storage: url, sampler: new RandomSampler({ seed: Number(seedText) }) });
const n = Number(nText);
while (Date.now() < Number(startAtText)) await new Promise((r) => setTimeout(r, 5));
await study.optimize(
  (t) => {
    let s = 0;
    for (let i = 0; i < 5; i++) s += t.suggestFloat(`x${i}`, -5, 5) ** 2;
    return s;
  },
  { nTrials: n },
);
process.stdout.write(`${JSON.stringify({ n, end: Date.now(), retries: study.storage.driverRetries ?? null })}\n`);
await study.close();
