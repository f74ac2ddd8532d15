/** Empirical distribution function of the objective over COMPLETE trials. */
import { useMemo } from 'react';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { Plot, type Trace } from '../components/plot.js';
import { useReloadOnTick } from '../live.js';
import { finiteOnly, objectiveLabel, SampledNote } from './common.js';
import type { PlotProps } from './props.js';

export function EdfPlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  const res = useLoad(`edf:${studyId}:${objective}`, () => api.plot(studyId, 'edf', { objective, maxPoints: 5000 }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const fig = useMemo(() => {
    if (res.data === null) return null;
    const pts = finiteOnly(res.data.y, res.data.x); // x must be finite; keep y aligned
    return {
      dropped: res.data.x.length - pts.x.length,
      data: [{ type: 'scatter', mode: 'lines', line: { shape: 'hv', color: '#2563eb', width: 2 }, x: pts.y, y: pts.x, name: 'EDF' }] as Trace[],
    };
  }, [res.data]);
  const layout = useMemo(
    () => ({ xaxis: { title: { text: objectiveLabel(detail, objective) } }, yaxis: { title: { text: 'Cumulative probability' }, range: [0, 1.02] } }),
    [detail, objective],
  );
  if (res.data === null || fig === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what="values" />;
  return (
    <>
      <Plot name="edf" data={fig.data} layout={layout} />
      <SampledNote total={res.data.total} shown={res.data.x.length} sampled={res.data.sampled} dropped={fig.dropped} what="complete trials" />
    </>
  );
}
