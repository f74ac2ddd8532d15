/** Pareto front of a study with several objectives: 2-D scatter, or 3-D for three objectives. */
import { useMemo, useState } from 'react';
import type { ParetoData } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { type FigureLayout, Plot, type Trace } from '../components/plot.js';
import { useReloadOnTick } from '../live.js';
import { href } from '../route.js';
import { markerType, SampledNote } from './common.js';
import type { PlotProps } from './props.js';

export function paretoFigure(d: ParetoData, axes: readonly number[]): { data: Trace[]; layout: FigureLayout; front: number; others: number } {
  const front: number[] = [];
  const others: number[] = [];
  for (let i = 0; i < d.numbers.length; i++) {
    if (!axes.every((k) => Number.isFinite(d.values[k]![i]!))) continue;
    (d.onFront[i] ? front : others).push(i);
  }
  const col = (idx: number[], k: number) => idx.map((i) => d.values[k]![i]!);
  const title = (k: number) => ({ text: `Objective ${k} (${d.directions[k]})` });
  const text = (idx: number[]) => idx.map((i) => `trial ${d.numbers[i]}`);
  const nums = (idx: number[]) => idx.map((i) => d.numbers[i]!);
  if (axes.length === 3) {
    const t3 = (idx: number[], name: string, color: string, size: number): Trace => ({
      type: 'scatter3d',
      mode: 'markers',
      name,
      x: col(idx, axes[0]!),
      y: col(idx, axes[1]!),
      z: col(idx, axes[2]!),
      text: text(idx),
      customdata: nums(idx),
      marker: { size, color, opacity: 0.8 },
    });
    return {
      front: front.length,
      others: others.length,
      data: [t3(others, 'Dominated', '#9ca3af', 2), t3(front, 'Pareto front', '#dc2626', 4)],
      layout: {
        scene: { xaxis: { title: title(axes[0]!) }, yaxis: { title: title(axes[1]!) }, zaxis: { title: title(axes[2]!) } },
        margin: { l: 0, r: 0, t: 24, b: 0 },
      },
    };
  }
  const [a, b] = [axes[0]!, axes[1]!];
  const sortedFront = [...front].sort((i, j) => d.values[a]![i]! - d.values[a]![j]!);
  return {
    front: front.length,
    others: others.length,
    data: [
      {
        type: markerType(others.length),
        mode: 'markers',
        name: 'Dominated',
        x: col(others, a),
        y: col(others, b),
        text: text(others),
        customdata: nums(others),
        marker: { size: 5, color: '#9ca3af', opacity: 0.6 },
      },
      {
        type: 'scatter',
        mode: 'lines+markers',
        name: 'Pareto front',
        x: col(sortedFront, a),
        y: col(sortedFront, b),
        text: text(sortedFront),
        customdata: nums(sortedFront),
        marker: { size: 7, color: '#dc2626' },
        line: { color: '#dc2626', width: 1, shape: 'hv' },
      },
    ],
    layout: { xaxis: { title: title(a) }, yaxis: { title: title(b) } },
  };
}

export function ParetoPlot({ detail, tick }: PlotProps) {
  const studyId = detail.study.studyId;
  const n = detail.study.directions.length;
  const [axes, setAxes] = useState<number[]>(n >= 3 ? [0, 1, 2] : [0, 1]);
  const res = useLoad(`pareto:${studyId}`, () => api.plot(studyId, 'pareto', { maxPoints: 3000 }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const fig = useMemo(() => (res.data === null ? null : paretoFigure(res.data, axes)), [res.data, axes]);
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
      {res.data === null || fig === null ? (
        res.error !== null ? (
          <ErrorLine error={res.error} />
        ) : (
          <Loading what="objective values" />
        )
      ) : (
        <>
          <Plot name="pareto" data={fig.data} layout={fig.layout} height={540} onTrialClick={(n) => window.location.assign(href.trial(studyId, n))} />
          <p className="muted plot-note">
            <span data-testid="front-size">{fig.front}</span> trials on the front, {fig.others} dominated.
          </p>
          <SampledNote total={res.data.total} shown={res.data.numbers.length} sampled={res.data.sampled} what="complete trials" />
        </>
      )}
    </>
  );
}
