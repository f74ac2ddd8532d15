/** Learning curves: intermediate values by step, one line per trial (and fold), coloured by state. */
import { useMemo, useState } from 'react';
import type { IntermediateData, TrialState } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { Plot, type Trace } from '../components/plot.js';
import { useReloadOnTick } from '../live.js';
import { SampledNote } from './common.js';
import type { PlotProps } from './props.js';

const STATE_COLOR: Record<TrialState, string> = {
  COMPLETE: '#2563eb',
  PRUNED: '#f59e0b',
  FAIL: '#dc2626',
  RUNNING: '#16a34a',
  WAITING: '#9ca3af',
};

/**
 * One trace per (state, fold), the curves separated by gaps: a few traces
 * draw hundreds of curves fast. Returns the number of curves drawn.
 */
export function intermediateFigure(d: IntermediateData, fold: 'all' | number | null): { data: Trace[]; curves: number } {
  const groups = new Map<string, { state: TrialState; fold: number | null; x: (number | null)[]; y: (number | null)[]; text: (string | null)[] }>();
  let curves = 0;
  for (const c of d.curves) {
    if (fold !== 'all' && c.fold !== fold) continue;
    const key = `${c.state}|${c.fold}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { state: c.state, fold: c.fold, x: [], y: [], text: [] }));
    if (g.x.length > 0) {
      g.x.push(null);
      g.y.push(null);
      g.text.push(null);
    }
    for (let i = 0; i < c.steps.length; i++) {
      const v = c.values[i]!;
      g.x.push(c.steps[i]!);
      g.y.push(Number.isFinite(v) ? v : null);
      g.text.push(`trial ${c.number}`);
    }
    curves++;
  }
  const dashes = ['solid', 'dot', 'dash', 'longdash', 'dashdot'];
  const data: Trace[] = [...groups.values()].map((g) => ({
    type: 'scatter',
    mode: 'lines',
    name: `${g.state.toLowerCase()}${g.fold === null ? '' : ` · fold ${g.fold}`}`,
    x: g.x,
    y: g.y,
    text: g.text,
    connectgaps: false,
    line: { color: STATE_COLOR[g.state], width: 1, dash: g.fold === null ? 'solid' : dashes[g.fold % dashes.length] },
    opacity: 0.7,
    hovertemplate: '%{text}<br>step %{x}: %{y}<extra></extra>',
  }));
  return { data, curves };
}

export function IntermediatePlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  const folds = detail.intermediate.folds;
  const [fold, setFold] = useState<'all' | number | null>('all');
  const res = useLoad(`intermediate:${studyId}:${objective}`, () => api.plot(studyId, 'intermediate', { objective, maxTrials: 300 }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const fig = useMemo(() => (res.data === null ? null : intermediateFigure(res.data, fold)), [res.data, fold]);
  const layout = useMemo(() => ({ xaxis: { title: { text: 'Step' } }, yaxis: { title: { text: 'Intermediate value' } } }), []);
  return (
    <>
      {folds.length > 0 ? (
        <div className="controls">
          <label>
            Fold{' '}
            <select
              value={fold === null ? 'none' : String(fold)}
              onChange={(e) => setFold(e.target.value === 'all' ? 'all' : e.target.value === 'none' ? null : Number(e.target.value))}
            >
              <option value="all">all folds</option>
              <option value="none">reports without a fold</option>
              {folds.map((f) => (
                <option key={f} value={f}>
                  fold {f}
                </option>
              ))}
            </select>
          </label>
        </div>
      ) : null}
      {res.data === null || fig === null ? (
        res.error !== null ? (
          <ErrorLine error={res.error} />
        ) : (
          <Loading what="learning curves" />
        )
      ) : (
        <>
          <Plot name="intermediate" data={fig.data} layout={layout} height={480} />
          <SampledNote total={res.data.total} shown={res.data.curves.length} sampled={res.data.sampled} what="trials with reports" />
        </>
      )}
    </>
  );
}
