/**
 * Population-based training of a TensorFlow.js MLP on the hand-written
 * digits (data/digits.csv.gz), with the study and its checkpoints in
 * pbt-digits.db and pbt-digits.db.artifacts/.
 *
 *   npm run build && npx tsx examples/tfjs/pbt-digits.ts
 *
 * Kill it (Ctrl-C, or kill -9) and start it again: it resumes every member
 * from its last checkpoint, with the hyperparameters it had.
 */
import { createStudy, learnedSchedule, loadDataset, loadTfjs, mlpPbtMember, pbtSegments, runPbt, standardize, trainValidationSplit } from 'dials';

const tfjs = await loadTfjs(); // wasm backend, read from node_modules (no network)
const split = standardize(trainValidationSplit(loadDataset('digits'), { validationFraction: 0.25, seed: 1 }));

const study = await createStudy({ studyName: 'pbt-digits', storage: 'sqlite:pbt-digits.db', direction: 'maximize', loadIfExists: true });
const result = await runPbt({
  study,
  space: { lr: { kind: 'float', low: 1e-4, high: 0.3, log: true }, batchSize: { kind: 'categorical', choices: [16, 32, 64, 128] } },
  member: mlpPbtMember(tfjs, { split, hidden: [32] }), // one step = one epoch; score = validation accuracy
  population: 8,
  readyEvery: 2,
  totalSteps: 16,
  seed: 1,
  onSegment: (s) => console.log(`member ${s.member} epochs ${s.start}-${s.end}: ${s.score?.toFixed(4)}${s.exploit ? `  (copied member ${s.exploit.fromMember})` : ''}`),
});

console.log(`best: member ${result.best.member}, accuracy ${result.best.score.toFixed(4)}, ${JSON.stringify(result.best.params)}`);
console.log('its learned schedule:');
for (const e of learnedSchedule(await pbtSegments(study), result.best.trialNumber)) console.log(`  epochs ${e.start}-${e.end}: ${JSON.stringify(e.params)}`);
await study.close();
