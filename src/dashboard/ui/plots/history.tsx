/**
 * Optimization history: every COMPLETE trial's value as a dot and the best
 * so far as a step line. The overview and the plot page draw the same chart
 * (the page with more points); neither needs a plotting library.
 */
import { useCallback, useMemo, useState } from 'react';
import type { HistoryData, StudyDetailResponse } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { formatNumber } from '../format.js';
import { useReloadOnTick } from '../live.js';
import { allPositive, Chart, dotPath, logAxis, type Scales, valueAxis } from './chart.js';
import { finiteOnly, openTrial, SampledNote } from './common.js';

const DOT = '#2563eb';
const BEST = '#dc2626';

export function HistoryChart({
  data,
  studyId,
  name,
  yTitle,
  height = 360,
  log = false,
}: {
  readonly data: HistoryData;
  readonly studyId: number;
  readonly name: string;
  readonly yTitle: string;
  readonly height?: number;
  /** A log y axis (every finite value must be positive). */
  readonly log?: boolean;
}) {
  const pts = useMemo(() => finiteOnly(data.numbers, data.values), [data]);
  const best = useMemo(() => finiteOnly(data.numbers, data.best), [data]);
  const x = useMemo(() => valueAxis(pts.x.concat(best.x), 'Trial', { pad: 0.02, integer: true }), [pts, best]);
  const y = useMemo(() => (log ? logAxis(pts.y.concat(best.y), yTitle) : valueAxis(pts.y.concat(best.y), yTitle)), [pts, best, yTitle, log]);
  const draw = useCallback(
    ({ sx, sy }: Scales) => {
      const px = new Float64Array(pts.x.length);
      const py = new Float64Array(pts.x.length);
      for (let i = 0; i < pts.x.length; i++) {
        px[i] = sx.map(pts.x[i]!);
        py[i] = sy.map(pts.y[i]!);
      }
      const line: string[] = [];
      for (let i = 0; i < best.x.length; i++) {
        const bx = sx.map(best.x[i]!).toFixed(1);
        const by = sy.map(best.y[i]!).toFixed(1);
        line.push(i === 0 ? `M${bx} ${by}` : `H${bx}V${by}`);
      }
      return {
        svg: (
          <>
            <path className="dots" d={dotPath(px, py)} stroke={DOT} strokeOpacity={0.6} strokeWidth={pts.x.length > 3000 ? 3.5 : 5} />
            <path className="best line" d={line.join('')} stroke={BEST} strokeWidth={2} />
          </>
        ),
        hits: { px, py, label: (i: number) => `trial ${pts.x[i]}: ${formatNumber(pts.y[i]!)}`, trial: (i: number) => pts.x[i]! },
      };
    },
    [pts, best],
  );
  return (
    <Chart
      name={name}
      x={x}
      y={y}
      draw={draw}
      height={height}
      data={{ points: pts.x.length, 'best-points': best.x.length }}
      legend={[
        { label: 'Objective value', color: DOT, kind: 'dot' },
        { label: 'Best so far', color: BEST, kind: 'line' },
      ]}
      onTrial={openTrial(studyId)}
      ariaLabel="Optimization history"
    />
  );
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
  /** The overview's smaller version (fewer points, named history-svg). */
  readonly light?: boolean;
}) {
  const studyId = detail.study.studyId;
  const [log, setLog] = useState(false);
  const maxPoints = light ? 3000 : 10_000;
  const res = useLoad(`history:${studyId}:${objective}:${maxPoints}`, () => api.plot(studyId, 'history', { objective, maxPoints }));
  useReloadOnTick(tick, res.reload, res.loading);
  if (res.data === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what="history" />;
  const dropped = res.data.values.filter((v) => !Number.isFinite(v)).length;
  const yTitle = detail.study.directions.length > 1 ? `Objective ${objective}` : 'Objective value';
  const canLog = !light && allPositive(res.data.values);
  return (
    <>
      {canLog ? (
        <div className="controls">
          <label>
            <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} /> Log scale
          </label>
        </div>
      ) : null}
      <HistoryChart data={res.data} studyId={studyId} name={light ? 'history-svg' : 'history'} yTitle={yTitle} height={light ? 340 : 460} log={canLog && log} />
      <SampledNote total={res.data.total} shown={res.data.values.length} sampled={res.data.sampled} dropped={dropped} what="complete trials" />
    </>
  );
}
