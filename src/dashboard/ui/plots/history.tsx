/** Optimization history: every COMPLETE trial's value and the best-so-far line. */
import { useMemo } from 'react';
import type { HistoryData, StudyDetailResponse } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { Plot, type Trace } from '../components/plot.js';
import { useReloadOnTick } from '../live.js';
import { href } from '../route.js';
import { finiteOnly, markerType, SampledNote } from './common.js';
import { HistorySvg } from './history-svg.js';

export function historyFigure(h: HistoryData): { data: Trace[]; dropped: number } {
  const pts = finiteOnly(h.numbers, h.values);
  const best = finiteOnly(h.numbers, h.best);
  const type = markerType(pts.x.length);
  return {
    dropped: h.values.length - pts.x.length,
    data: [
      {
        type,
        mode: 'markers',
        name: 'Objective value',
        x: pts.x,
        y: pts.y,
        customdata: pts.x,
        marker: { size: 5, color: '#2563eb', opacity: 0.65 },
        hovertemplate: 'trial %{x}: %{y}<extra></extra>',
      },
      { type, mode: 'lines', name: 'Best so far', x: best.x, y: best.y, line: { color: '#dc2626', width: 2, shape: 'hv' } },
    ],
  };
}

export function HistoryPlot({
  detail,
  tick,
  objective,
  light = false,
}: {
  readonly detail: StudyDetailResponse;
  readonly tick: number;
  readonly objective: number;
  /** Plain SVG (no plotting library; the overview) instead of the zoomable Plotly figure. */
  readonly light?: boolean;
}) {
  const studyId = detail.study.studyId;
  const res = useLoad(`history:${studyId}:${objective}`, () => api.plot(studyId, 'history', { objective, maxPoints: 3000 }));
  useReloadOnTick(tick, res.reload, res.loading);
  const fig = useMemo(() => (res.data === null ? null : historyFigure(res.data)), [res.data]);
  const layout = useMemo(
    () => ({
      xaxis: { title: { text: 'Trial' } },
      yaxis: { title: { text: detail.study.directions.length > 1 ? `Objective ${objective}` : 'Objective value' } },
      legend: { orientation: 'h', y: 1.12 },
    }),
    [detail.study.directions.length, objective],
  );
  if (res.data === null || fig === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what="history" />;
  if (light) {
    return (
      <>
        <HistorySvg data={res.data} studyId={studyId} />
        <SampledNote total={res.data.total} shown={res.data.values.length} sampled={res.data.sampled} dropped={fig.dropped} what="complete trials" />
      </>
    );
  }
  return (
    <>
      <Plot name="history" data={fig.data} layout={layout} onTrialClick={(n) => window.location.assign(href.trial(studyId, n))} />
      <SampledNote total={res.data.total} shown={res.data.values.length} sampled={res.data.sampled} dropped={fig.dropped} what="complete trials" />
    </>
  );
}
