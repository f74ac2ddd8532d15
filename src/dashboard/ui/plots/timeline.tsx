/** Timeline: one bar per trial from start to finish, one lane per worker, coloured by state. */
import { useMemo } from 'react';
import type { TimelineData, TrialState } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { Plot, plotText, type Trace } from '../components/plot.js';
import { useReloadOnTick } from '../live.js';
import { href } from '../route.js';
import { SampledNote } from './common.js';
import type { PlotProps } from './props.js';

const COLORS: Record<TrialState, string> = { COMPLETE: '#2563eb', PRUNED: '#f59e0b', FAIL: '#dc2626', RUNNING: '#16a34a', WAITING: '#9ca3af' };

export function timelineFigure(d: TimelineData, now: number): { data: Trace[]; lanes: number } {
  const byState = new Map<TrialState, { y: string[]; base: number[]; x: number[]; text: string[]; n: number[] }>();
  for (let i = 0; i < d.numbers.length; i++) {
    const st = d.states[i]!;
    let g = byState.get(st);
    if (g === undefined) byState.set(st, (g = { y: [], base: [], x: [], text: [], n: [] }));
    const start = d.start[i]!;
    const end = d.complete[i] ?? now;
    g.y.push(plotText(d.lane[i]!));
    g.base.push(start);
    g.x.push(Math.max(end - start, 1));
    g.text.push(`trial ${d.numbers[i]}`);
    g.n.push(d.numbers[i]!);
  }
  const data: Trace[] = [...byState.entries()].map(([st, g]) => ({
    type: 'bar',
    orientation: 'h',
    name: st.toLowerCase(),
    y: g.y,
    base: g.base,
    x: g.x,
    text: g.text,
    customdata: g.n,
    textposition: 'none',
    marker: { color: COLORS[st] },
    hovertemplate: '%{text}<br>%{base|%H:%M:%S.%L} + %{x} ms<extra></extra>',
  }));
  return { data, lanes: new Set(d.lane).size };
}

export function TimelinePlot({ detail, tick }: PlotProps) {
  const studyId = detail.study.studyId;
  const res = useLoad(`timeline:${studyId}`, () => api.plot(studyId, 'timeline', { maxPoints: 2000 }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const fig = useMemo(() => (res.data === null ? null : timelineFigure(res.data, Date.now())), [res.data]);
  const layout = useMemo(
    () => ({
      barmode: 'overlay',
      bargap: 0.3,
      xaxis: { type: 'date', title: { text: 'Time' } },
      yaxis: { title: { text: 'Worker' }, automargin: true, type: 'category' },
    }),
    [],
  );
  if (res.data === null || fig === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what="timeline" />;
  return (
    <>
      <Plot
        name="timeline"
        data={fig.data}
        layout={layout}
        height={Math.max(320, 120 + 24 * fig.lanes)}
        onTrialClick={(n) => window.location.assign(href.trial(studyId, n))}
      />
      <SampledNote total={res.data.total} shown={res.data.numbers.length} sampled={res.data.sampled} what="started trials" />
    </>
  );
}
