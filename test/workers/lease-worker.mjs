// A worker with heartbeats and retries.
// mode "hang": asks one trial, suggests x and y, waits ~2.5 heartbeat intervals
//   (so the parameters have been flushed and the lease renewed), prints
//   {"started": number, "params"} and then hangs until it is killed.
// mode "run": runs `nTrials` trials through optimize() and prints
//   {"number", "retryOf", "params", "value", "state"} for each.
// Options: { storage, studyName, mode, intervalMs, graceMs, maxRetries, seed, nTrials }.
import { loadStudy, RandomSampler } from 'dials';
import { emit, sleep, workerArgs } from './common.mjs';

const { storage, studyName, mode, intervalMs, graceMs, maxRetries, seed, nTrials } = workerArgs();
const study = await loadStudy({
  studyName,
  storage,
  sampler: new RandomSampler({ seed }),
  heartbeat: { intervalMs, graceMs },
  maxRetries,
});

const objective = (trial) => {
  const x = trial.suggestFloat('x', 0, 1);
  const y = trial.suggestInt('y', 0, 1000);
  return x * 1000 + y;
};

if (mode === 'hang') {
  const trial = await study.ask();
  objective(trial);
  await sleep(Math.round(2.5 * intervalMs));
  emit({ started: trial.number, params: trial.params });
  // A referenced timer keeps the process alive (the heartbeat timer is unref'd).
  setInterval(() => {}, 60_000);
} else if (mode === 'run') {
  await study.optimize(objective, {
    nTrials,
    callbacks: [(_study, f) => emit({ number: f.number, retryOf: f.retryOf, params: f.params, value: String(f.value), state: f.state })],
  });
  emit({ done: true });
  await study.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
