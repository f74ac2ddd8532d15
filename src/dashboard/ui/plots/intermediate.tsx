/**
 * Learning curves: intermediate values by step, one line per trial (and
 * fold), coloured by state, dashed by fold. One path per (state, fold)
 * holds all its curves, a sub-path each.
 */
import { useCallback, useMemo, useState } from 'react';
import type { IntermediateData, TrialState } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { formatNumber } from '../format.js';
import { useReloadOnTick } from '../live.js';
import { allPositive, Chart, type LegendItem, LinePath, logAxis, type Scales, valueAxis } from './chart.js';
import { openTrial, SampledNote } from './common.js';
import type { PlotProps } from './props.js';

export const STATE_COLOR: Record<TrialState, string> = {
  COMPLETE: '#2563eb',
  PRUNED: '#f59e0b',
  FAIL: '#dc2626',
  RUNNING: '#16a34a',
  WAITING: '#9ca3af',
};
const DASHES = [undefined, '4 3', '8 4', '2 3', '10 3 2 3'];

interface CurveGroup {
  readonly key: string;
  readonly state: TrialState;
  readonly fold: number | null;
  /** Indices into d.curves. */
  readonly curves: number[];
}

/** Curves grouped by (state, fold), keeping only `fold` unless 'all'. */
export function curveGroups(d: IntermediateData, fold: 'all' | number | null): CurveGroup[] {
  const groups = new Map<string, CurveGroup>();
  d.curves.forEach((c, i) => {
    if (fold !== 'all' && c.fold !== fold) return;
    const key = `${c.state}|${c.fold}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { key, state: c.state, fold: c.fold, curves: [] }));
    g.curves.push(i);
  });
  return [...groups.values()];
}

const groupLabel = (g: CurveGroup) => `${g.state.toLowerCase()}${g.fold === null ? '' : ` · fold ${g.fold}`}`;

export function IntermediatePlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  const folds = detail.intermediate.folds;
  const [fold, setFold] = useState<'all' | number | null>('all');
  const [logScale, setLog] = useState(false);
  const res = useLoad(`intermediate:${studyId}:${objective}`, () => api.plot(studyId, 'intermediate', { objective, maxTrials: 300 }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const d = res.data;
  const groups = useMemo(() => (d === null ? [] : curveGroups(d, fold)), [d, fold]);
  const { x, y, canLog, values } = useMemo(() => {
    const steps: number[] = [];
    const values: number[] = [];
    for (const g of groups)
      for (const ci of g.curves) {
        const c = d!.curves[ci]!;
        for (let k = 0; k < c.steps.length; k++) {
          steps.push(c.steps[k]!);
          values.push(c.values[k]!);
        }
      }
    return { x: valueAxis(steps, 'Step', { pad: 0.02, integer: true }), y: valueAxis(values, 'Intermediate value'), canLog: allPositive(values), values };
  }, [d, groups]);
  const log = logScale && canLog;
  const yAxis = useMemo(() => (log ? logAxis(values, 'Intermediate value') : y), [log, values, y]);
  const draw = useCallback(
    ({ sx, sy }: Scales) => {
      if (d === null) return { svg: null };
      const hx: number[] = [];
      const hy: number[] = [];
      const hc: number[] = [];
      const hk: number[] = [];
      const paths = groups.map((g) => {
        const line = new LinePath();
        for (const ci of g.curves) {
          const c = d.curves[ci]!;
          line.lift();
          for (let k = 0; k < c.steps.length; k++) {
            const v = c.values[k]!;
            if (!Number.isFinite(v) || (log && v <= 0)) {
              line.lift();
              continue;
            }
            const px = sx.map(c.steps[k]!);
            const py = sy.map(v);
            line.to(px, py);
            hx.push(px);
            hy.push(py);
            hc.push(ci);
            hk.push(k);
          }
        }
        return (
          <path
            key={g.key}
            className="curves line"
            d={line.d}
            stroke={STATE_COLOR[g.state]}
            strokeOpacity={0.7}
            strokeDasharray={g.fold === null ? undefined : DASHES[g.fold % DASHES.length]}
            data-group={groupLabel(g)}
            data-curves={g.curves.length}
          />
        );
      });
      return {
        svg: paths,
        hits: {
          px: hx,
          py: hy,
          label: (i: number) => {
            const c = d.curves[hc[i]!]!;
            return `trial ${c.number}${c.fold === null ? '' : ` (fold ${c.fold})`}, step ${c.steps[hk[i]!]}: ${formatNumber(c.values[hk[i]!]!)}`;
          },
          trial: (i: number) => d.curves[hc[i]!]!.number,
        },
      };
    },
    [d, groups, log],
  );
  const legend = useMemo<LegendItem[]>(
    () => groups.map((g) => ({ label: groupLabel(g), color: STATE_COLOR[g.state], kind: g.fold !== null && g.fold % DASHES.length !== 0 ? 'dash' : 'line' })),
    [groups],
  );
  const nCurves = groups.reduce((a, g) => a + g.curves.length, 0);
  return (
    <>
      <div className="controls">
        {canLog ? (
          <label>
            <input type="checkbox" checked={logScale} onChange={(e) => setLog(e.target.checked)} /> Log scale
          </label>
        ) : null}
        {folds.length > 0 ? (
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
        ) : null}
      </div>
      {d === null ? (
        res.error !== null ? (
          <ErrorLine error={res.error} />
        ) : (
          <Loading what="learning curves" />
        )
      ) : (
        <>
          <Chart
            name="intermediate"
            x={x}
            y={yAxis}
            draw={draw}
            height={480}
            legend={legend}
            data={{ curves: nCurves }}
            onTrial={openTrial(studyId)}
            ariaLabel="Learning curves"
          />
          <SampledNote total={d.total} shown={d.curves.length} sampled={d.sampled} what="trials with reports" />
        </>
      )}
    </>
  );
}
