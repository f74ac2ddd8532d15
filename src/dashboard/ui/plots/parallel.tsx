/** Parallel coordinates: one line per COMPLETE trial across the objective and every parameter. */
import { useMemo } from 'react';
import type { ParamsData } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { Plot, plotText, type Trace } from '../components/plot.js';
import { formatNumber, formatParam } from '../format.js';
import { useReloadOnTick } from '../live.js';
import { SampledNote } from './common.js';
import type { PlotProps } from './props.js';

/** WebGL parcoords slows down past a few thousand lines; the server keeps the best and a seeded sample. */
const MAX_LINES = 3000;

export function parallelFigure(d: ParamsData): { data: Trace[]; lines: number; dropped: number } {
  const keep: number[] = [];
  for (let i = 0; i < d.values.length; i++) if (Number.isFinite(d.values[i]!)) keep.push(i);
  const dims: Record<string, unknown>[] = [{ label: 'Objective', values: keep.map((i) => d.values[i]) }];
  for (const col of d.params) {
    if (col.kind === 'categorical') {
      dims.push({
        label: plotText(col.name),
        values: keep.map((i) => col.values[i] ?? Number.NaN),
        tickvals: col.choices.map((_, j) => j),
        ticktext: col.choices.map((c) => plotText(formatParam(c))),
        range: [0, Math.max(1, col.choices.length - 1)],
      });
    } else if (col.log) {
      // Plotted as log10, labelled with the real values.
      const lo = Math.floor(Math.log10(col.low));
      const hi = Math.ceil(Math.log10(col.high));
      const ticks = [];
      for (let e = lo; e <= hi; e++) ticks.push(e);
      dims.push({
        label: plotText(col.name),
        values: keep.map((i) => {
          const v = col.values[i];
          return v === null || v === undefined || v <= 0 ? Number.NaN : Math.log10(v);
        }),
        tickvals: ticks,
        ticktext: ticks.map((e) => formatNumber(10 ** e)),
        range: [Math.log10(col.low), Math.log10(col.high)],
      });
    } else {
      dims.push({ label: plotText(col.name), values: keep.map((i) => col.values[i] ?? Number.NaN), range: [col.low, col.high] });
    }
  }
  const colors = keep.map((i) => d.values[i]!);
  return {
    lines: keep.length,
    dropped: d.values.length - keep.length,
    data: [
      {
        type: 'parcoords',
        dimensions: dims,
        line: { color: colors, colorscale: 'Viridis', reversescale: d.direction === 'minimize', showscale: true, colorbar: { title: { text: 'Objective' } } },
        labelangle: -20,
      },
    ],
  };
}

export function ParallelPlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  const res = useLoad(`params:${studyId}:${objective}:parallel`, () => api.plot(studyId, 'params', { objective, maxPoints: MAX_LINES }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const fig = useMemo(() => (res.data === null ? null : parallelFigure(res.data)), [res.data]);
  const layout = useMemo(() => ({ margin: { l: 80, r: 80, t: 80, b: 40 } }), []);
  if (res.data === null || fig === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what="parameters" />;
  return (
    <>
      <Plot name="parallel" data={fig.data} layout={layout} height={480} />
      <SampledNote total={res.data.total} shown={res.data.values.length} sampled={res.data.sampled} dropped={fig.dropped} what="complete trials" />
    </>
  );
}
