// Runs `nTrials` trials of a random-search study through optimize() and
// prints {"number", "value", "state"} for every trial once tell() has stored it.
// Options: { storage, studyName, nTrials, seed }.
import { loadStudy, RandomSampler } from 'dials';
import { emit, prng, readyThenWaitForGo, sleep, workerArgs } from './common.mjs';

const { storage, studyName, nTrials, seed } = workerArgs();
const study = await loadStudy({ studyName, storage, sampler: new RandomSampler({ seed }) });
const rand = prng(seed);
const computed = new Map();
await readyThenWaitForGo();
await study.optimize(
  async (trial) => {
    const x = trial.suggestFloat('x', -5, 5);
    const n = trial.suggestInt('n', 0, 100);
    // Two or three suggestions, so the set of parameters varies between trials.
    const c = rand() < 0.5 ? trial.suggestCategorical('c', ['a', 'b', 'c']) : 'none';
    await sleep(Math.floor(rand() * 4));
    const v = x * x + n / 7 + (c === 'b' ? Math.PI : 0);
    computed.set(trial.number, v);
    return v;
  },
  {
    nTrials,
    callbacks: [
      (_study, frozen) => {
        emit({ number: frozen.number, value: String(computed.get(frozen.number)), state: frozen.state });
        computed.delete(frozen.number);
      },
    ],
  },
);
emit({ done: true });
await study.close();
