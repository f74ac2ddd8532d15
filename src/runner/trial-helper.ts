/**
 * The trial side of the protocol, for Node programs run by `dials tune`:
 * read the parameters, report intermediate values (for pruning) and the
 * final result. Any language can do the same by printing `dials: {json}`.
 * @example
 * import { trialParams, report } from 'dials/trial';
 * const { lr } = trialParams<{ lr: number }>();
 * for (let epoch = 0; epoch < 10; epoch++) report({ accuracy: train(lr, epoch) }, epoch);
 * report({ accuracy: evaluate() });
 */
import { appendFileSync } from 'node:fs';

type Scalar = string | number | boolean | null;

/** The trial's parameters (from $DIALS_PARAMS); `defaults` fill in when run by hand, outside `dials tune`. */
export function trialParams<T extends Record<string, Scalar> = Record<string, Scalar>>(defaults?: T): T {
  const raw = process.env.DIALS_PARAMS;
  if (raw === undefined || raw === '') {
    if (defaults) return { ...defaults };
    throw new Error('DIALS_PARAMS is not set: run this program with `dials tune <config>`, or pass defaults to trialParams()');
  }
  return { ...defaults, ...(JSON.parse(raw) as T) };
}

/** The trial number, or null outside `dials tune`. */
export function trialNumber(): number | null {
  const n = process.env.DIALS_TRIAL_NUMBER;
  return n === undefined || n === '' ? null : Number(n);
}

function encode(v: number): number | string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  return v;
}

/**
 * Reports metric values: with `step`, an intermediate value the pruner may act
 * on (the runner then stops this process); without, the final result.
 * Written to $DIALS_RESULT_FILE when set (kept apart from the program's own
 * output), else printed on stdout.
 */
export function report(metrics: Readonly<Record<string, number>>, step?: number, options: { fold?: number } = {}): void {
  const o: Record<string, number | string> = {};
  if (step !== undefined) o.step = step;
  if (options.fold !== undefined) o.fold = options.fold;
  for (const [k, v] of Object.entries(metrics)) o[k] = encode(v);
  const line = `dials: ${JSON.stringify(o)}\n`;
  const file = process.env.DIALS_RESULT_FILE;
  if (file) appendFileSync(file, line);
  else process.stdout.write(line);
}
