/**
 * Which rule should keep an ensemble over the single best pipeline? automl
 * keeps the ensemble when its held-out gain (selected on half the fresh
 * splits, scored on the other half) exceeds k standard errors of that gain;
 * k = 1 was chosen on the seven benchmark datasets themselves, and k = 0
 * replaced it after this script's test on the held-out datasets. This reads
 * bench/automl.ts results files whose rows score both the single pipeline
 * and the selected ensemble (kept, or rejected: `rejectedEnsemble`) on the
 * same evaluation folds, and prints, for each k, what the rule would have
 * scored: the mean over rows of (the model it keeps − the single pipeline),
 * and how often it kept the worse of the two.
 *
 *   npx tsx bench/automl-ensemble-rule.ts bench/results/automl-heldout*.json
 *
 * Prints Markdown (for bench/README.md).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface Row {
  dataset: string;
  metric: string;
  automl: { eval: { mean: number } };
  ensemble?: { eval: { mean: number } };
  rejectedEnsemble?: { eval: { mean: number } };
  ensembleGain?: { gain: number; stdErr: number; heldOut: boolean };
  bestDefault: { mean: number };
}

const files = process.argv.slice(2);
if (files.length === 0) throw new Error('usage: npx tsx bench/automl-ensemble-rule.ts RESULTS.json [...] (files written by bench/automl.ts)');

interface Case {
  label: string;
  gain: number;
  stdErr: number;
  single: number;
  ensemble: number;
  bestDefault: number;
}
const cases: Case[] = [];
for (const file of files) {
  const { seed, results } = JSON.parse(readFileSync(file, 'utf8')) as { seed: number; results: Row[] };
  for (const r of results) {
    const g = r.ensembleGain;
    const ens = r.ensemble?.eval.mean ?? r.rejectedEnsemble?.eval.mean;
    // Only the fresh-split check has a held-out gain to threshold; rows without both scores say nothing about the rule.
    if (!g?.heldOut || ens === undefined) continue;
    cases.push({
      label: `${r.dataset} (seed ${seed}, ${basename(file)})`,
      gain: g.gain,
      stdErr: g.stdErr,
      single: r.automl.eval.mean,
      ensemble: ens,
      bestDefault: r.bestDefault.mean,
    });
  }
}
if (cases.length === 0)
  throw new Error('no row scores both the single pipeline and the selected ensemble: rerun bench/automl.ts (it now scores a rejected ensemble too)');

const f4 = (v: number): string => (v >= 0 ? '+' : '') + v.toFixed(4);
const lines: string[] = [
  '| dataset | held-out gain ± s.e. | single | ensemble | ensemble − single |',
  '|---|---:|---:|---:|---:|',
  ...cases.map(
    (c) => `| ${c.label} | ${f4(c.gain)} ± ${c.stdErr.toFixed(4)} | ${c.single.toFixed(4)} | ${c.ensemble.toFixed(4)} | ${f4(c.ensemble - c.single)} |`,
  ),
  '',
  '| rule: keep the ensemble when the held-out gain > | mean (kept − single) | kept the worse of the two | beat the best default |',
  '|---|---:|---:|---:|',
];
for (const [name, k] of [
  ['−∞ (always)', Number.NEGATIVE_INFINITY],
  ['0 (automl since the held-out test)', 0],
  ['0.5 s.e.', 0.5],
  ['1 s.e. (automl before)', 1],
  ['2 s.e.', 2],
  ['+∞ (never)', Number.POSITIVE_INFINITY],
] as const) {
  const kept = cases.map((c) => (c.gain > k * c.stdErr || k === Number.NEGATIVE_INFINITY ? c.ensemble : c.single));
  const mean = kept.reduce((a, v, i) => a + v - (cases[i] as Case).single, 0) / cases.length;
  const worse = kept.filter((v, i) => v < Math.max((cases[i] as Case).single, (cases[i] as Case).ensemble)).length;
  const beat = kept.filter((v, i) => v > (cases[i] as Case).bestDefault).length;
  lines.push(`| ${name} | ${f4(mean)} | ${worse} of ${cases.length} | ${beat} of ${cases.length} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
