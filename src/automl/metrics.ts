/** Scores for automl: what each metric measures, and which way is better. */
import { InvalidArgumentError } from '../errors.js';
import type { Task } from './models/model.js';

export const CLASSIFICATION_METRICS = ['accuracy', 'balanced_accuracy', 'f1', 'log_loss'] as const;
export const REGRESSION_METRICS = ['r2', 'rmse', 'mae'] as const;
export type MetricName = (typeof CLASSIFICATION_METRICS)[number] | (typeof REGRESSION_METRICS)[number];

export function metricDirection(m: MetricName): 'maximize' | 'minimize' {
  return m === 'log_loss' || m === 'rmse' || m === 'mae' ? 'minimize' : 'maximize';
}

export function defaultMetric(task: Task): MetricName {
  return task === 'classification' ? 'accuracy' : 'r2';
}

export function checkMetric(metric: string, task: Task): MetricName {
  const allowed: readonly string[] = task === 'classification' ? CLASSIFICATION_METRICS : REGRESSION_METRICS;
  if (!allowed.includes(metric)) {
    throw new InvalidArgumentError(`metric ${JSON.stringify(metric)} does not apply to ${task}; use one of ${allowed.join(', ')}`, ['metric']);
  }
  return metric as MetricName;
}

/**
 * The score of predictions against the truth. Classification: `pred` are
 * class indices, `proba` the probability rows (log loss); f1 is the macro
 * average over classes (the positive class's F1 for two classes).
 */
export function score(metric: MetricName, truth: readonly number[], pred: readonly number[], proba?: readonly (readonly number[])[], nClasses = 0): number {
  const n = truth.length;
  switch (metric) {
    case 'accuracy':
      return truth.reduce((a, t, i) => a + (t === pred[i] ? 1 : 0), 0) / n;
    case 'balanced_accuracy': {
      const hit = new Map<number, [number, number]>();
      truth.forEach((t, i) => {
        const h = hit.get(t) ?? [0, 0];
        h[0] += t === pred[i] ? 1 : 0;
        h[1]++;
        hit.set(t, h);
      });
      let s = 0;
      for (const [a, b] of hit.values()) s += a / b;
      return s / hit.size;
    }
    case 'f1': {
      const k = Math.max(nClasses, ...truth, ...pred) + (nClasses > 0 ? 0 : 1);
      const f1 = (c: number): number => {
        let tp = 0;
        let fp = 0;
        let fn = 0;
        truth.forEach((t, i) => {
          if (pred[i] === c && t === c) tp++;
          else if (pred[i] === c) fp++;
          else if (t === c) fn++;
        });
        return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
      };
      if (k === 2) return f1(1);
      let s = 0;
      let m = 0;
      for (let c = 0; c < k; c++) {
        if (truth.includes(c) || pred.includes(c)) {
          s += f1(c);
          m++;
        }
      }
      return s / Math.max(1, m);
    }
    case 'log_loss': {
      if (proba === undefined) throw new InvalidArgumentError('log_loss needs class probabilities');
      let s = 0;
      truth.forEach((t, i) => {
        const p = (proba[i] as readonly number[])[t] ?? 0;
        s -= Math.log(Math.min(1 - 1e-15, Math.max(1e-15, p)));
      });
      return s / n;
    }
    case 'r2': {
      const mean = truth.reduce((a, b) => a + b, 0) / n;
      let ssRes = 0;
      let ssTot = 0;
      truth.forEach((t, i) => {
        ssRes += (t - (pred[i] as number)) ** 2;
        ssTot += (t - mean) ** 2;
      });
      return ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
    }
    case 'rmse':
      return Math.sqrt(truth.reduce((a, t, i) => a + (t - (pred[i] as number)) ** 2, 0) / n);
    case 'mae':
      return truth.reduce((a, t, i) => a + Math.abs(t - (pred[i] as number)), 0) / n;
  }
}
