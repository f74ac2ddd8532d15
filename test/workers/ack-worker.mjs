// Runs trials with ask/tell as fast as it can until it is killed, printing
// {"acked": number, "value": String(v)} only AFTER `await study.tell()` has
// returned (that is, once the result is durably stored).
// Options: { storage, studyName, seed, slots (concurrent ask/tell loops, default 4) }.
import { loadStudy, RandomSampler } from 'dials';
import { emit, prng, readyThenWaitForGo, sleep, workerArgs } from './common.mjs';

const { storage, studyName, seed, slots = 4 } = workerArgs();
const study = await loadStudy({ studyName, storage, sampler: new RandomSampler({ seed }) });
const rand = prng(seed);
await readyThenWaitForGo();

// Several ask/tell loops at once, so that writes are in flight at any moment of the kill.
async function loop() {
  for (;;) {
    const trial = await study.ask();
    const x = trial.suggestFloat('x', -1e6, 1e6);
    const s = trial.suggestFloat('s', 1e-9, 1, { log: true });
    if (rand() < 0.3) await sleep(Math.floor(rand() * 2));
    // Finite values that use all 17 significant digits.
    const v = x * s + Math.sin(x) / 3;
    const frozen = await study.tell(trial, v);
    if (frozen.state !== 'COMPLETE') throw new Error(`trial ${trial.number} ended ${frozen.state}`);
    emit({ acked: trial.number, value: String(v) });
  }
}
await Promise.all(Array.from({ length: slots }, loop));
