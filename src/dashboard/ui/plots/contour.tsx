/**
 * Contour of the objective over a chosen pair of parameters: the surface is
 * interpolated from the trials (inverse-distance weighting on a 48×48 grid,
 * in log space for log parameters), with the trials drawn on top.
 */
import { useMemo, useState } from 'react';
import type { ParamColumn, ParamsData } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { type FigureLayout, Plot, plotText, type Trace } from '../components/plot.js';
import { useReloadOnTick } from '../live.js';
import { paramAxis, SampledNote } from './common.js';
import type { PlotProps } from './props.js';

const GRID = 48;

function toUnit(col: ParamColumn, v: number): number {
  if (col.kind === 'categorical') return col.choices.length <= 1 ? 0.5 : v / (col.choices.length - 1);
  if (col.log) return (Math.log(v) - Math.log(col.low)) / (Math.log(col.high) - Math.log(col.low) || 1);
  return (v - col.low) / (col.high - col.low || 1);
}

function gridOf(col: ParamColumn): number[] {
  if (col.kind === 'categorical') return col.choices.map((_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < GRID; i++) {
    const u = i / (GRID - 1);
    out.push(col.log ? Math.exp(Math.log(col.low) + u * (Math.log(col.high) - Math.log(col.low))) : col.low + u * (col.high - col.low));
  }
  return out;
}

export function contourFigure(d: ParamsData, xName: string, yName: string): { data: Trace[]; layout: FigureLayout; points: number } | null {
  const xc = d.params.find((p) => p.name === xName);
  const yc = d.params.find((p) => p.name === yName);
  if (xc === undefined || yc === undefined) return null;
  const px: number[] = [];
  const py: number[] = [];
  const pz: number[] = [];
  const ux: number[] = [];
  const uy: number[] = [];
  for (let i = 0; i < d.values.length; i++) {
    const x = xc.values[i];
    const y = yc.values[i];
    const z = d.values[i]!;
    if (x === null || x === undefined || y === null || y === undefined || !Number.isFinite(z)) continue;
    px.push(x);
    py.push(y);
    pz.push(z);
    ux.push(toUnit(xc, x));
    uy.push(toUnit(yc, y));
  }
  const gx = gridOf(xc);
  const gy = gridOf(yc);
  const z: (number | null)[][] = [];
  for (const yv of gy) {
    const row: (number | null)[] = [];
    const uyv = toUnit(yc, yv);
    for (const xv of gx) {
      const uxv = toUnit(xc, xv);
      let num = 0;
      let den = 0;
      let exact: number | null = null;
      for (let k = 0; k < pz.length; k++) {
        const dx = ux[k]! - uxv;
        const dy = uy[k]! - uyv;
        const d2 = dx * dx + dy * dy;
        if (d2 < 1e-12) {
          exact = pz[k]!;
          break;
        }
        const w = 1 / (d2 * d2); // power 4 in distance: local, yet smooth
        num += w * pz[k]!;
        den += w;
      }
      row.push(exact ?? (den > 0 ? num / den : null));
    }
    z.push(row);
  }
  const ax = paramAxis(xc).axis;
  const ay = paramAxis(yc).axis;
  return {
    points: px.length,
    data: [
      {
        type: 'contour',
        x: gx,
        y: gy,
        z,
        colorscale: 'Viridis',
        reversescale: d.direction === 'minimize',
        contours: { coloring: 'heatmap' },
        colorbar: { title: { text: 'Objective' } },
        hoverinfo: 'skip',
        connectgaps: true,
      },
      {
        type: 'scatter',
        mode: 'markers',
        name: 'Trials',
        x: px,
        y: py,
        marker: { size: 6, color: '#111827', line: { color: '#fff', width: 1 } },
        hovertemplate: `${plotText(xName)}=%{x}<br>${plotText(yName)}=%{y}<extra></extra>`,
      },
    ],
    layout: { xaxis: ax, yaxis: ay, showlegend: false },
  };
}

export function ContourPlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  const names = detail.params.map((p) => p.name);
  const [xName, setX] = useState(names[0] ?? '');
  const [yName, setY] = useState(names[1] ?? names[0] ?? '');
  const res = useLoad(`contour:${studyId}:${objective}:${JSON.stringify([xName, yName])}`, () =>
    api.plot(studyId, 'params', { objective, maxPoints: 1000, params: xName === yName ? [xName] : [xName, yName] }),
  );
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const fig = useMemo(() => (res.data === null ? null : contourFigure(res.data, xName, yName)), [res.data, xName, yName]);
  const pick = (label: string, value: string, set: (v: string) => void) => (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => set(e.target.value)}>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <>
      <div className="controls">
        {pick('x', xName, setX)} {pick('y', yName, setY)}
      </div>
      {xName === yName ? <p className="muted">Pick two different parameters.</p> : null}
      {res.data === null ? (
        res.error !== null ? (
          <ErrorLine error={res.error} />
        ) : (
          <Loading what="parameters" />
        )
      ) : fig === null || xName === yName ? null : (
        <>
          <Plot name="contour" data={fig.data} layout={fig.layout} height={520} />
          <SampledNote total={res.data.total} shown={res.data.values.length} sampled={res.data.sampled} what="complete trials" />
        </>
      )}
    </>
  );
}
