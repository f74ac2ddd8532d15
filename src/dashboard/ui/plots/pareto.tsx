/**
 * Pareto front of a study with several objectives: a 2-D scatter drawn here,
 * or a 3-D one (three objectives) by Plotly, loaded only for it.
 */
import { useCallback, useMemo, useState } from 'react';
import type { ParetoData } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { type FigureLayout, Plot, type Trace } from '../components/plot.js';
import { formatNumber } from '../format.js';
import { useReloadOnTick } from '../live.js';
import { Chart, dotPath, type Scales, valueAxis } from './chart.js';
import { openTrial, SampledNote } from './common.js';
import type { PlotProps } from './props.js';

/** Rows with finite values on `axes`, split into the Pareto front and the rest. */
export function paretoSplit(d: ParetoData, axes: readonly number[]): { front: number[]; others: number[] } {
  const front: number[] = [];
  const others: number[] = [];
  for (let i = 0; i < d.numbers.length; i++) {
    if (!axes.every((k) => Number.isFinite(d.values[k]![i]!))) continue;
    (d.onFront[i] ? front : others).push(i);
  }
  return { front, others };
}

/** The 3-objective figure for Plotly's scatter3d (the one plot here that needs the library). */
export function pareto3dFigure(d: ParetoData, axes: readonly number[]): { data: Trace[]; layout: FigureLayout } {
  const { front, others } = paretoSplit(d, axes);
  const col = (idx: number[], k: number) => idx.map((i) => d.values[k]![i]!);
  const title = (k: number) => ({ text: `Objective ${k} (${d.directions[k]})` });
  const t3 = (idx: number[], name: string, color: string, size: number): Trace => ({
    type: 'scatter3d',
    mode: 'markers',
    name,
    x: col(idx, axes[0]!),
    y: col(idx, axes[1]!),
    z: col(idx, axes[2]!),
    text: idx.map((i) => `trial ${d.numbers[i]}`),
    customdata: idx.map((i) => d.numbers[i]!),
    marker: { size, color, opacity: 0.8 },
  });
  return {
    data: [t3(others, 'Dominated', '#9ca3af', 2), t3(front, 'Pareto front', '#dc2626', 4)],
    layout: {
      scene: { xaxis: { title: title(axes[0]!) }, yaxis: { title: title(axes[1]!) }, zaxis: { title: title(axes[2]!) } },
      margin: { l: 0, r: 0, t: 24, b: 0 },
    },
  };
}

const FRONT = '#dc2626';
const DOMINATED = '#9ca3af';

function Pareto2d({ d, a, b, studyId }: { readonly d: ParetoData; readonly a: number; readonly b: number; readonly studyId: number }) {
  const split = useMemo(() => paretoSplit(d, [a, b]), [d, a, b]);
  const axisOf = useCallback(
    (k: number) =>
      valueAxis(
        split.front.concat(split.others).map((i) => d.values[k]![i]!),
        `Objective ${k} (${d.directions[k]})`,
      ),
    [d, split],
  );
  const x = useMemo(() => axisOf(a), [axisOf, a]);
  const y = useMemo(() => axisOf(b), [axisOf, b]);
  const stairs = d.directions.length === 2;
  const draw = useCallback(
    ({ sx, sy }: Scales) => {
      const rows = split.others.concat(split.front);
      const px = new Float64Array(rows.length);
      const py = new Float64Array(rows.length);
      rows.forEach((i, k) => {
        px[k] = sx.map(d.values[a]![i]!);
        py[k] = sy.map(d.values[b]![i]!);
      });
      const nO = split.others.length;
      const sorted = [...split.front].sort((i, j) => d.values[a]![i]! - d.values[a]![j]!);
      const line = sorted
        .map((i, k) => `${k === 0 ? 'M' : 'H'}${sx.map(d.values[a]![i]!).toFixed(1)}${k === 0 ? ' ' : 'V'}${sy.map(d.values[b]![i]!).toFixed(1)}`)
        .join('');
      return {
        svg: (
          <>
            <path className="dots dominated" d={dotPath(px.subarray(0, nO), py.subarray(0, nO))} stroke={DOMINATED} strokeOpacity={0.7} strokeWidth={5} />
            {stairs ? <path className="front-line line" d={line} stroke={FRONT} strokeWidth={1} /> : null}
            <path className="dots front" d={dotPath(px.subarray(nO), py.subarray(nO))} stroke={FRONT} strokeWidth={6} />
          </>
        ),
        hits: {
          px,
          py,
          label: (k: number) => {
            const i = rows[k]!;
            return `trial ${d.numbers[i]}${k >= nO ? ' (front)' : ''}: ${d.values.map((v) => formatNumber(v[i]!)).join(', ')}`;
          },
          trial: (k: number) => d.numbers[rows[k]!]!,
        },
      };
    },
    [d, split, a, b, stairs],
  );
  return (
    <Chart
      name="pareto"
      x={x}
      y={y}
      draw={draw}
      height={500}
      legend={[
        { label: 'Dominated', color: DOMINATED, kind: 'dot' },
        { label: 'Pareto front', color: FRONT, kind: 'dot' },
      ]}
      data={{ front: split.front.length, dominated: split.others.length }}
      onTrial={openTrial(studyId)}
      ariaLabel="Pareto front"
    />
  );
}

export function ParetoPlot({ detail, tick }: PlotProps) {
  const studyId = detail.study.studyId;
  const n = detail.study.directions.length;
  const [axes, setAxes] = useState<number[]>(n >= 3 ? [0, 1, 2] : [0, 1]);
  const res = useLoad(`pareto:${studyId}`, () => api.plot(studyId, 'pareto', { maxPoints: 3000 }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const fig = useMemo(() => (res.data === null || axes.length !== 3 ? null : pareto3dFigure(res.data, axes)), [res.data, axes]);
  const split = useMemo(() => (res.data === null ? null : paretoSplit(res.data, axes)), [res.data, axes]);
  return (
    <>
      {n >= 3 ? (
        <div className="controls">
          <label>
            Show{' '}
            <select value={axes.length} onChange={(e) => setAxes(Number(e.target.value) === 3 ? [0, 1, 2] : [0, 1])}>
              <option value={2}>2 objectives</option>
              <option value={3}>3 objectives</option>
            </select>
          </label>
          {axes.map((k, slot) => (
            <label key={slot}>
              {['x', 'y', 'z'][slot]}{' '}
              <select value={k} onChange={(e) => setAxes(axes.map((v, s) => (s === slot ? Number(e.target.value) : v)))}>
                {detail.study.directions.map((d, i) => (
                  <option key={i} value={i}>
                    {`${i} (${d})`}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </div>
      ) : null}
      {res.data === null || split === null ? (
        res.error !== null ? (
          <ErrorLine error={res.error} />
        ) : (
          <Loading what="objective values" />
        )
      ) : (
        <>
          {fig !== null ? (
            <Plot name="pareto" data={fig.data} layout={fig.layout} height={540} onTrialClick={openTrial(studyId)} />
          ) : (
            <Pareto2d d={res.data} a={axes[0]!} b={axes[1]!} studyId={studyId} />
          )}
          <p className="muted plot-note">
            <span data-testid="front-size">{split.front.length}</span> trials on the front, {split.others.length} dominated.
          </p>
          <SampledNote total={res.data.total} shown={res.data.numbers.length} sampled={res.data.sampled} what="complete trials" />
        </>
      )}
    </>
  );
}
