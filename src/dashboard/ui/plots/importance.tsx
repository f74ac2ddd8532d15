/** Parameter importance (first-order terms) and pairwise interactions (second-order terms). */
import { useMemo, useState } from 'react';
import { IMPORTANCE_EVALUATORS, type ImportanceEvaluator, type InteractionsResponse } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { type FigureLayout, Plot, plotText, type Trace } from '../components/plot.js';
import { formatNumber } from '../format.js';
import { useReloadOnTick } from '../live.js';
import type { PlotProps } from './props.js';

const EVALUATOR_LABEL: Record<ImportanceEvaluator, string> = { fanova: 'fANOVA', 'ped-anova': 'PED-ANOVA', mdi: 'MDI (random forest)' };

function EvaluatorPick({ value, onChange, only }: { value: ImportanceEvaluator; onChange: (e: ImportanceEvaluator) => void; only?: ImportanceEvaluator }) {
  return (
    <div className="controls">
      <label>
        Evaluator{' '}
        <select value={value} onChange={(e) => onChange(e.target.value as ImportanceEvaluator)}>
          {IMPORTANCE_EVALUATORS.filter((e) => only === undefined || e === only).map((e) => (
            <option key={e} value={e}>
              {EVALUATOR_LABEL[e]}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

export function ImportancePlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  const [evaluator, setEvaluator] = useState<ImportanceEvaluator>('fanova');
  const res = useLoad(`importance:${studyId}:${objective}:${evaluator}`, () => api.importance(studyId, { evaluator, objective }));
  useReloadOnTick(tick, res.reload, res.loading, 3000);
  const fig = useMemo(() => {
    if (res.data === null) return null;
    const rows = [...res.data.importances].reverse(); // largest on top
    return [
      {
        type: 'bar',
        orientation: 'h',
        x: rows.map((r) => r.importance),
        y: rows.map((r) => plotText(r.param)),
        text: rows.map((r) => formatNumber(r.importance, 3)),
        textposition: 'outside',
        marker: { color: '#2563eb' },
        hovertemplate: '%{y}: %{x:.3f}<extra></extra>',
      },
    ] as Trace[];
  }, [res.data]);
  const layout = useMemo<FigureLayout>(
    () => ({
      xaxis: { title: { text: 'Importance (share of variance)' }, rangemode: 'tozero' },
      yaxis: { automargin: true },
      margin: { l: 140, r: 48, t: 24, b: 56 },
    }),
    [],
  );
  return (
    <>
      <EvaluatorPick value={evaluator} onChange={setEvaluator} />
      {res.data === null || fig === null ? (
        res.error !== null ? (
          <ErrorLine error={res.error} />
        ) : (
          <Loading what="importance" />
        )
      ) : (
        <>
          <Plot name="importance" data={fig} layout={layout} height={Math.max(240, 60 + 32 * res.data.importances.length)} />
          <p className="muted plot-note">
            {EVALUATOR_LABEL[res.data.evaluator]} over {res.data.nTrials.toLocaleString('en')} complete trials.
          </p>
        </>
      )}
    </>
  );
}

export function interactionFigure(r: InteractionsResponse, names: readonly string[]): { data: Trace[]; layout: FigureLayout } {
  const index = new Map(names.map((n, i) => [n, i]));
  const z: (number | null)[][] = names.map(() => names.map(() => null));
  for (const p of r.pairs) {
    const i = index.get(p.params[0]);
    const j = index.get(p.params[1]);
    if (i === undefined || j === undefined) continue;
    z[i]![j] = p.importance;
    z[j]![i] = p.importance;
  }
  const top = r.pairs.slice(0, 10).reverse();
  const labels = names.map((n) => plotText(n));
  return {
    data: [
      {
        type: 'heatmap',
        x: labels,
        y: labels,
        z,
        colorscale: 'Reds',
        xaxis: 'x',
        yaxis: 'y',
        colorbar: { title: { text: 'Interaction' }, x: 0.46 },
        hoverongaps: false,
      },
      {
        type: 'bar',
        orientation: 'h',
        xaxis: 'x2',
        yaxis: 'y2',
        x: top.map((p) => p.importance),
        y: top.map((p) => `${plotText(p.params[0])} × ${plotText(p.params[1])}`),
        marker: { color: '#dc2626' },
        hovertemplate: '%{y}: %{x:.3f}<extra></extra>',
      },
    ],
    layout: {
      grid: { rows: 1, columns: 2, pattern: 'independent', xgap: 0.25 },
      xaxis: { domain: [0, 0.42], automargin: true },
      yaxis: { automargin: true, autorange: 'reversed' },
      xaxis2: { domain: [0.62, 1], title: { text: 'Top pairs' }, rangemode: 'tozero' },
      yaxis2: { automargin: true },
      margin: { l: 120, r: 24, t: 24, b: 100 },
      showlegend: false,
    },
  };
}

export function InteractionsPlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  // Second-order terms come from fANOVA only.
  const [evaluator, setEvaluator] = useState<ImportanceEvaluator>('fanova');
  const res = useLoad(`interactions:${studyId}:${objective}:${evaluator}`, () => api.interactions(studyId, { evaluator, objective }));
  useReloadOnTick(tick, res.reload, res.loading, 3000);
  const names = useMemo(() => detail.params.map((p) => p.name), [detail.params]);
  const fig = useMemo(() => (res.data === null ? null : interactionFigure(res.data, names)), [res.data, names]);
  return (
    <>
      <EvaluatorPick value={evaluator} onChange={setEvaluator} only="fanova" />
      {res.data === null || fig === null ? (
        res.error !== null ? (
          <ErrorLine error={res.error} />
        ) : (
          <Loading what="interactions" />
        )
      ) : (
        <>
          <Plot name="interactions" data={fig.data} layout={fig.layout} height={Math.max(380, 120 + 28 * names.length)} />
          <p className="muted plot-note">
            Second-order ({EVALUATOR_LABEL[res.data.evaluator]}) terms over {res.data.nTrials.toLocaleString('en')} complete trials; top pair:{' '}
            <strong data-testid="top-pair">{res.data.pairs[0] ? `${res.data.pairs[0].params[0]} × ${res.data.pairs[0].params[1]}` : 'none'}</strong>.
          </p>
        </>
      )}
    </>
  );
}
