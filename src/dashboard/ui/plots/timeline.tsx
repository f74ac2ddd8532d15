/** Timeline: one bar per trial from start to finish, one lane per worker, coloured by state. */
import { useCallback, useMemo } from 'react';
import type { TimelineData, TrialState } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { formatDuration, formatTime } from '../format.js';
import { useReloadOnTick } from '../live.js';
import { Chart, categoryAxis, type Scales, valueAxis } from './chart.js';
import { openTrial, SampledNote } from './common.js';
import { STATE_COLOR } from './intermediate.js';
import type { PlotProps } from './props.js';

const STATE_ORDER: readonly TrialState[] = ['COMPLETE', 'PRUNED', 'FAIL', 'RUNNING', 'WAITING'];

/** Lanes in order of first use, and each bar's lane index. */
export function timelineLanes(d: TimelineData): { lanes: string[]; laneOf: number[] } {
  const index = new Map<string, number>();
  const laneOf = d.lane.map((l) => {
    let k = index.get(l);
    if (k === undefined) index.set(l, (k = index.size));
    return k;
  });
  return { lanes: [...index.keys()], laneOf };
}

export function TimelinePlot({ detail, tick }: PlotProps) {
  const studyId = detail.study.studyId;
  const res = useLoad(`timeline:${studyId}`, () => api.plot(studyId, 'timeline', { maxPoints: 2000 }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const d = res.data;
  const model = useMemo(() => {
    if (d === null) return null;
    const now = Date.now();
    const end = d.numbers.map((_, i) => d.complete[i] ?? now);
    return { ...timelineLanes(d), end };
  }, [d]);
  const x = useMemo(() => valueAxis(d === null || model === null ? [] : d.start.concat(model.end), 'Time', { pad: 0.01, kind: 'time' }), [d, model]);
  const y = useMemo(() => categoryAxis(model?.lanes ?? [], 'Worker'), [model]);
  const draw = useCallback(
    ({ sx, sy }: Scales) => {
      if (d === null || model === null) return { svg: null };
      const n = d.numbers.length;
      const slot = Math.abs(sy.map(1) - sy.map(0));
      const h = Math.max(2, Math.min(18, slot * 0.7));
      const px = new Float64Array(n);
      const pxEnd = new Float64Array(n);
      const py = new Float64Array(n);
      const parts = new Map<TrialState, string[]>();
      for (let i = 0; i < n; i++) {
        const x0 = sx.map(d.start[i]!);
        const x1 = Math.max(x0 + 1, sx.map(model.end[i]!));
        const yc = sy.map(model.laneOf[i]!);
        px[i] = x0;
        pxEnd[i] = x1;
        py[i] = yc;
        let list = parts.get(d.states[i]!);
        if (list === undefined) parts.set(d.states[i]!, (list = []));
        list.push(`M${x0.toFixed(1)} ${(yc - h / 2).toFixed(1)}h${(x1 - x0).toFixed(1)}v${h.toFixed(1)}h${(x0 - x1).toFixed(1)}z`);
      }
      return {
        svg: STATE_ORDER.filter((s) => parts.has(s)).map((s) => (
          <path key={s} className="bars" d={parts.get(s)!.join('')} fill={STATE_COLOR[s]} data-state={s} data-bars={parts.get(s)!.length} />
        )),
        hits: {
          px,
          pxEnd,
          py,
          label: (i: number) =>
            `trial ${d.numbers[i]} (${d.states[i]!.toLowerCase()}): ${formatTime(d.start[i])}${d.complete[i] === null ? ', running' : ` + ${formatDuration(d.complete[i]! - d.start[i]!)}`}`,
          trial: (i: number) => d.numbers[i]!,
        },
      };
    },
    [d, model],
  );
  if (d === null || model === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what="timeline" />;
  const present = STATE_ORDER.filter((s) => d.states.includes(s));
  return (
    <>
      <Chart
        name="timeline"
        x={x}
        y={y}
        draw={draw}
        height={Math.max(220, 80 + (model.lanes.length > 40 ? 10 : 26) * model.lanes.length)}
        margin={{ l: 120 }}
        legend={present.map((s) => ({ label: s.toLowerCase(), color: STATE_COLOR[s], kind: 'box' as const }))}
        data={{ bars: d.numbers.length, lanes: model.lanes.length }}
        onTrial={openTrial(studyId)}
        ariaLabel="Timeline of trials per worker"
      />
      <SampledNote total={d.total} shown={d.numbers.length} sampled={d.sampled} what="started trials" />
    </>
  );
}
