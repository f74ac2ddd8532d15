/** Empirical distribution function of the objective over COMPLETE trials: a step line. */
import { useCallback, useMemo } from 'react';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { formatNumber } from '../format.js';
import { useReloadOnTick } from '../live.js';
import { type Axis, Chart, type Scales, valueAxis } from './chart.js';
import { finiteOnly, objectiveLabel, SampledNote } from './common.js';
import type { PlotProps } from './props.js';

const Y: Axis = { kind: 'linear', lo: 0, hi: 1.04, title: 'Cumulative probability' };

export function EdfPlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  const res = useLoad(`edf:${studyId}:${objective}`, () => api.plot(studyId, 'edf', { objective, maxPoints: 5000 }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  // Finite x only (the y of a finite x already counts every value ≤ it, ±Infinity included).
  const pts = useMemo(() => (res.data === null ? null : finiteOnly(res.data.y, res.data.x)), [res.data]);
  const xTitle = objectiveLabel(detail, objective);
  const x = useMemo(() => valueAxis(pts?.y ?? [], xTitle, { pad: 0.02 }), [pts, xTitle]);
  const draw = useCallback(
    ({ sx, sy }: Scales) => {
      if (pts === null) return { svg: null };
      const n = pts.y.length;
      const px = new Float64Array(n);
      const py = new Float64Array(n);
      const d: string[] = [];
      for (let i = 0; i < n; i++) {
        px[i] = sx.map(pts.y[i]!);
        py[i] = sy.map(pts.x[i]!);
        d.push(i === 0 ? `M${px[i]!.toFixed(1)} ${py[i]!.toFixed(1)}` : `H${px[i]!.toFixed(1)}V${py[i]!.toFixed(1)}`);
      }
      return {
        svg: <path className="edf line" d={d.join('')} stroke="#2563eb" strokeWidth={2} data-points={n} />,
        hits: { px, py, label: (i: number) => `${formatNumber(pts.x[i]! * 100, 4)}% of trials ≤ ${formatNumber(pts.y[i]!)}` },
      };
    },
    [pts],
  );
  if (res.data === null || pts === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what="values" />;
  return (
    <>
      <Chart name="edf" x={x} y={Y} draw={draw} height={420} data={{ points: pts.y.length }} ariaLabel="Empirical distribution" />
      <SampledNote
        total={res.data.total}
        shown={res.data.x.length}
        sampled={res.data.sampled}
        dropped={res.data.x.length - pts.y.length}
        what="complete trials"
      />
    </>
  );
}
