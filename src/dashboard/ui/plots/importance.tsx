/** Parameter importance (first-order terms) and pairwise interactions (second-order terms), drawn as SVG bars and a heat map. */
import { useCallback, useMemo, useState } from 'react';
import { IMPORTANCE_EVALUATORS, type ImportanceEvaluator, type InteractionsResponse } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { formatNumber } from '../format.js';
import { useReloadOnTick } from '../live.js';
import { type Axis, Chart, categoryAxis, clip, type Scales } from './chart.js';
import { useBoxWidth } from './common.js';
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

/** Horizontal bars, the first row on top; each bar a `rect.bar` with its label and value as text. */
export function Bars({
  name,
  rows,
  color,
  xTitle,
}: {
  readonly name: string;
  readonly rows: readonly { readonly label: string; readonly value: number }[];
  readonly color: string;
  readonly xTitle: string;
}) {
  const y = useMemo(() => categoryAxis(rows.map((r) => r.label).reverse()), [rows]);
  const x = useMemo<Axis>(() => {
    let max = 0;
    for (const r of rows) if (Number.isFinite(r.value)) max = Math.max(max, r.value);
    return { kind: 'linear', lo: 0, hi: (max || 1) * 1.15, title: xTitle };
  }, [rows, xTitle]);
  const draw = useCallback(
    ({ sx, sy }: Scales) => {
      const n = rows.length;
      const slot = n > 1 ? Math.abs(sy.map(1) - sy.map(0)) : Math.abs(sy.map(0.5) - sy.map(-0.5));
      const h = Math.max(3, Math.min(24, slot * 0.7));
      const px = new Float64Array(n);
      const pxEnd = new Float64Array(n);
      const py = new Float64Array(n);
      const svg = rows.map((r, k) => {
        const yc = sy.map(n - 1 - k);
        const x0 = sx.map(0);
        const x1 = sx.map(Number.isFinite(r.value) ? Math.max(0, r.value) : 0);
        px[k] = x0;
        pxEnd[k] = x1;
        py[k] = yc;
        return (
          <g key={r.label}>
            <rect className="bar" x={x0} y={yc - h / 2} width={Math.max(0.5, x1 - x0)} height={h} fill={color}>
              <title>{`${r.label}: ${formatNumber(r.value, 4)}`}</title>
            </rect>
            <text className="bar-value" x={x1 + 4} y={yc} dy="0.32em">
              {formatNumber(r.value, 3)}
            </text>
          </g>
        );
      });
      return { svg, hits: { px, pxEnd, py, label: (k: number) => `${rows[k]!.label}: ${formatNumber(rows[k]!.value, 4)}` } };
    },
    [rows, color],
  );
  return (
    <Chart
      name={name}
      x={x}
      y={y}
      draw={draw}
      zoom={false}
      height={Math.max(160, 70 + 30 * rows.length)}
      margin={{ l: 170, r: 24 }}
      data={{ bars: rows.length }}
      ariaLabel={name}
    />
  );
}

export function ImportancePlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  const [evaluator, setEvaluator] = useState<ImportanceEvaluator>('fanova');
  const res = useLoad(`importance:${studyId}:${objective}:${evaluator}`, () => api.importance(studyId, { evaluator, objective }));
  useReloadOnTick(tick, res.reload, res.loading, 3000);
  const rows = useMemo(() => (res.data === null ? [] : res.data.importances.map((r) => ({ label: r.param, value: r.importance }))), [res.data]);
  return (
    <>
      <EvaluatorPick value={evaluator} onChange={setEvaluator} />
      {res.data === null ? (
        res.error !== null ? (
          <ErrorLine error={res.error} />
        ) : (
          <Loading what="importance" />
        )
      ) : (
        <>
          <Bars name="importance" rows={rows} color="#2563eb" xTitle="Importance (share of variance)" />
          <p className="muted plot-note">
            {EVALUATOR_LABEL[res.data.evaluator]} over {res.data.nTrials.toLocaleString('en')} complete trials.
          </p>
        </>
      )}
    </>
  );
}

/** Light to dark red for 0…1. */
function reds(t: number): string {
  const u = Math.min(1, Math.max(0, t));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * u);
  return `rgb(${mix(254, 153)},${mix(240, 27)},${mix(232, 27)})`;
}

/** The symmetric matrix of pairwise terms over `names` (null where a pair has none). */
export function interactionMatrix(r: InteractionsResponse, names: readonly string[]): { z: (number | null)[][]; max: number } {
  const index = new Map(names.map((n, i) => [n, i]));
  const z: (number | null)[][] = names.map(() => names.map(() => null));
  let max = 0;
  for (const p of r.pairs) {
    const i = index.get(p.params[0]);
    const j = index.get(p.params[1]);
    if (i === undefined || j === undefined) continue;
    z[i]![j] = p.importance;
    z[j]![i] = p.importance;
    if (Number.isFinite(p.importance)) max = Math.max(max, p.importance);
  }
  return { z, max };
}

function Heatmap({ names, z, max }: { readonly names: readonly string[]; readonly z: readonly (readonly (number | null)[])[]; readonly max: number }) {
  const { box, width } = useBoxWidth(280);
  const n = names.length;
  const left = 130;
  const top = 8;
  const bottom = 110;
  const cell = Math.max(6, Math.min(48, Math.floor((Math.min(width, 720) - left - 16) / Math.max(1, n))));
  const size = cell * n;
  const [hover, setHover] = useState<string | null>(null);
  let cells = 0;
  const rects = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const v = z[i]![j];
      if (v === null || v === undefined) continue;
      cells++;
      const label = `${names[i]} × ${names[j]}: ${formatNumber(v, 4)}`;
      rects.push(
        <rect
          key={`${i}:${j}`}
          className="cell"
          x={left + j * cell}
          y={top + i * cell}
          width={cell - 1}
          height={cell - 1}
          fill={reds(max > 0 ? v / max : 0)}
          onPointerEnter={() => setHover(label)}
          onPointerLeave={() => setHover(null)}
        >
          <title>{label}</title>
        </rect>,
      );
    }
  return (
    <div ref={box} className="heatmap" data-plot="interaction-matrix" data-cells={cells}>
      <svg width={left + size + 16} height={top + size + bottom} role="img" aria-label="Pairwise interactions">
        <rect className="diag-bg" x={left} y={top} width={size} height={size} />
        {rects}
        {names.map((nm, i) => (
          <g key={nm}>
            <text className="hm-label" x={left - 6} y={top + i * cell + cell / 2} dy="0.32em" textAnchor="end">
              {clip(nm, 18)}
            </text>
            <text className="hm-label" transform={`translate(${left + i * cell + cell / 2},${top + size + 6}) rotate(-50)`} textAnchor="end">
              {clip(nm, 18)}
            </text>
          </g>
        ))}
      </svg>
      <p className="muted plot-note">{hover ?? 'Darker: a stronger interaction. Hover a cell for its value.'}</p>
    </div>
  );
}

export function InteractionsPlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  // Second-order terms come from fANOVA only.
  const [evaluator, setEvaluator] = useState<ImportanceEvaluator>('fanova');
  const res = useLoad(`interactions:${studyId}:${objective}:${evaluator}`, () => api.interactions(studyId, { evaluator, objective }));
  useReloadOnTick(tick, res.reload, res.loading, 3000);
  const names = useMemo(() => detail.params.map((p) => p.name), [detail.params]);
  const matrix = useMemo(() => (res.data === null ? null : interactionMatrix(res.data, names)), [res.data, names]);
  const top = useMemo(
    () => (res.data === null ? [] : res.data.pairs.slice(0, 10).map((p) => ({ label: `${p.params[0]} × ${p.params[1]}`, value: p.importance }))),
    [res.data],
  );
  return (
    <>
      <EvaluatorPick value={evaluator} onChange={setEvaluator} only="fanova" />
      {res.data === null || matrix === null ? (
        res.error !== null ? (
          <ErrorLine error={res.error} />
        ) : (
          <Loading what="interactions" />
        )
      ) : (
        <div data-plot="interactions" data-ready="true">
          <div className="interactions">
            <Heatmap names={names} z={matrix.z} max={matrix.max} />
            <div className="top-pairs">
              <h3>Top pairs</h3>
              <Bars name="top-pairs" rows={top} color="#dc2626" xTitle="Interaction (share of variance)" />
            </div>
          </div>
          <p className="muted plot-note">
            Second-order ({EVALUATOR_LABEL[res.data.evaluator]}) terms over {res.data.nTrials.toLocaleString('en')} complete trials; top pair:{' '}
            <strong data-testid="top-pair">{res.data.pairs[0] ? `${res.data.pairs[0].params[0]} × ${res.data.pairs[0].params[1]}` : 'none'}</strong>.
          </p>
        </div>
      )}
    </>
  );
}
