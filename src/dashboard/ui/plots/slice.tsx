/** Slice: the objective against each parameter, one panel per parameter, coloured by trial number. */
import { useMemo } from 'react';
import type { ParamsData } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { type FigureLayout, Plot, type Trace } from '../components/plot.js';
import { useReloadOnTick } from '../live.js';
import { href } from '../route.js';
import { markerType, objectiveLabel, paramAxis, SampledNote } from './common.js';
import type { PlotProps } from './props.js';

const MAX_PANELS = 16;

export function sliceFigure(d: ParamsData, yTitle: string): { data: Trace[]; layout: FigureLayout; rows: number; dropped: number } {
  const cols = d.params.slice(0, MAX_PANELS);
  const nCols = Math.min(4, Math.max(1, cols.length));
  const nRows = Math.max(1, Math.ceil(cols.length / nCols));
  const data: Trace[] = [];
  const layout: FigureLayout = {
    grid: { rows: nRows, columns: nCols, pattern: 'independent', xgap: 0.08, ygap: 0.3 },
    showlegend: false,
    margin: { l: 64, r: 24, t: 24, b: 56 },
  };
  let dropped = 0;
  cols.forEach((col, k) => {
    const { values, axis } = paramAxis(col);
    const x: number[] = [];
    const y: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < d.values.length; i++) {
      const v = d.values[i]!;
      const p = values[i];
      if (p === null || p === undefined) continue;
      if (!Number.isFinite(v)) {
        if (k === 0) dropped++;
        continue;
      }
      x.push(p);
      y.push(v);
      c.push(d.numbers[i]!);
    }
    const suffix = k === 0 ? '' : String(k + 1);
    data.push({
      type: markerType(x.length),
      mode: 'markers',
      x,
      y,
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      customdata: c,
      marker: { size: 5, color: c, colorscale: 'Blues', reversescale: true, opacity: 0.7, showscale: k === 0, colorbar: { title: { text: 'Trial' } } },
      hovertemplate: 'x=%{x}<br>value=%{y}<br>trial %{marker.color}<extra></extra>',
    });
    layout[`xaxis${suffix}`] = axis;
    layout[`yaxis${suffix}`] = { title: { text: k % nCols === 0 ? yTitle : '' } };
  });
  return { data, layout, rows: nRows, dropped };
}

export function SlicePlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  const res = useLoad(`params:${studyId}:${objective}:slice`, () => api.plot(studyId, 'params', { objective, maxPoints: 1500 }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const fig = useMemo(() => (res.data === null ? null : sliceFigure(res.data, objectiveLabel(detail, objective))), [res.data, detail, objective]);
  if (res.data === null || fig === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what="parameters" />;
  return (
    <>
      <Plot
        name="slice"
        data={fig.data}
        layout={fig.layout}
        height={Math.max(360, 280 * fig.rows)}
        onTrialClick={(n) => window.location.assign(href.trial(studyId, n))}
      />
      <SampledNote total={res.data.total} shown={res.data.values.length} sampled={res.data.sampled} dropped={fig.dropped} what="complete trials" />
      {res.data.params.length > MAX_PANELS ? (
        <p className="muted">
          The first {MAX_PANELS} of {res.data.params.length} parameters are shown.
        </p>
      ) : null}
    </>
  );
}
