/**
 * PBT hyperparameter schedules. Each trial is one segment of a member's
 * training (steps `start` to `end`) with fixed parameters, so a member's
 * schedule is a step line through its segments; a dotted line marks where an
 * exploit copied another member's checkpoint.
 */
import { useCallback, useMemo } from 'react';
import type { ParamColumn, PbtData } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { formatNumber, formatParam } from '../format.js';
import { useReloadOnTick } from '../live.js';
import { Chart, LinePath, paramAxisOf, type Scales, valueAxis } from './chart.js';
import { openTrial, SampledNote } from './common.js';
import type { PlotProps } from './props.js';

const MAX_PANELS = 6;
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#f59e0b', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4b5563'];

export interface PbtModel {
  /** Segment rows of each member, in step order. */
  readonly members: ReadonlyMap<number, readonly number[]>;
  readonly x0: (i: number) => number;
  readonly x1: (i: number) => number;
  /** Exploits: [row copied from, row that copied]. */
  readonly exploits: readonly (readonly [number, number])[];
}

/** Members (segments grouped by member id, or by following parents back to the first segment) and exploits. */
export function pbtModel(d: PbtData): PbtModel {
  const n = d.numbers.length;
  const row = new Map<number, number>();
  for (let i = 0; i < n; i++) row.set(d.numbers[i]!, i);
  const x0 = (i: number) => d.start[i] ?? d.generation[i] ?? 0;
  const x1 = (i: number) => d.end[i] ?? (d.generation[i] ?? 0) + 1;
  const memberOf = (i: number): number => {
    const m = d.member[i];
    if (m !== null && m !== undefined) return m;
    let j = i;
    for (let guard = 0; guard < n; guard++) {
      const p = d.parent[j];
      const pj = p === null || p === undefined ? undefined : row.get(p);
      if (pj === undefined) break;
      j = pj;
    }
    return d.numbers[j]!;
  };
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const m = memberOf(i);
    let list = members.get(m);
    if (list === undefined) members.set(m, (list = []));
    list.push(i);
  }
  for (const list of members.values()) list.sort((a, b) => x0(a) - x0(b));
  const exploits: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const from = d.exploitedFrom[i];
    const fi = from === null || from === undefined ? undefined : row.get(from);
    if (fi !== undefined) exploits.push([fi, i]);
  }
  return { members, x0, x1, exploits };
}

type Panel = { readonly kind: 'param'; readonly col: ParamColumn } | { readonly kind: 'value' };

function PbtPanel({ d, model, panel, last, studyId }: { d: PbtData; model: PbtModel; panel: Panel; last: boolean; studyId: number }) {
  const ys = useMemo<readonly (number | null)[]>(
    () => (panel.kind === 'param' ? panel.col.values : d.values.map((v) => (v !== null && Number.isFinite(v) ? v : null))),
    [d, panel],
  );
  const x = useMemo(() => {
    const xs: number[] = [];
    for (let i = 0; i < d.numbers.length; i++) xs.push(model.x0(i), model.x1(i));
    return valueAxis(xs, last ? 'Step' : '', { pad: 0.02, integer: xs.every((v) => Number.isInteger(v)) });
  }, [d, model, last]);
  const y = useMemo(() => (panel.kind === 'param' ? paramAxisOf(panel.col) : valueAxis(ys, 'Score')), [panel, ys]);
  const draw = useCallback(
    ({ sx, sy }: Scales) => {
      const hx: number[] = [];
      const hy: number[] = [];
      const hi: number[] = [];
      const lines = [...model.members.entries()].map(([member, list], mi) => {
        const line = new LinePath();
        for (const i of list) {
          const v = ys[i];
          if (v === null || v === undefined) {
            line.lift();
            continue;
          }
          const py = sy.map(v);
          // A parameter holds over its segment (start to end); the score is measured at the end.
          const xs = panel.kind === 'param' ? [model.x0(i), model.x1(i)] : [model.x1(i)];
          for (const xv of xs) {
            const px = sx.map(xv);
            line.to(px, py);
            hx.push(px);
            hy.push(py);
            hi.push(i);
          }
        }
        return (
          <path
            key={member}
            className="member line"
            d={line.d}
            stroke={PALETTE[mi % PALETTE.length]}
            strokeWidth={1.6}
            data-member={member}
            data-vertices={line.vertices}
          />
        );
      });
      const ex: string[] = [];
      if (panel.kind === 'param') {
        for (const [from, to] of model.exploits) {
          const a = ys[from];
          const b = ys[to];
          if (a === null || a === undefined || b === null || b === undefined) continue;
          ex.push(`M${sx.map(model.x1(from)).toFixed(1)} ${sy.map(a).toFixed(1)}L${sx.map(model.x0(to)).toFixed(1)} ${sy.map(b).toFixed(1)}`);
        }
      }
      return {
        svg: (
          <>
            {lines}
            {ex.length > 0 ? <path className="exploit line" d={ex.join('')} stroke="#6b7280" strokeDasharray="2 3" data-exploits={ex.length} /> : null}
          </>
        ),
        hits: {
          px: hx,
          py: hy,
          label: (k: number) => {
            const i = hi[k]!;
            const v = ys[i]!;
            const shown = panel.kind === 'param' && panel.col.kind === 'categorical' ? formatParam(panel.col.choices[v]) : formatNumber(v);
            return `trial ${d.numbers[i]} (steps ${model.x0(i)}–${model.x1(i)}): ${shown}`;
          },
          trial: (k: number) => d.numbers[hi[k]!]!,
        },
      };
    },
    [d, model, panel, ys],
  );
  return (
    <Chart
      name="pbt-panel"
      x={x}
      y={y}
      draw={draw}
      height={200}
      margin={{ l: 70, t: 8, b: last ? 40 : 24 }}
      data={{ panel: panel.kind === 'param' ? panel.col.name : 'score' }}
      onTrial={openTrial(studyId)}
      ariaLabel={panel.kind === 'param' ? panel.col.name : 'Score'}
    />
  );
}

export function PbtPlot({ detail, tick }: PlotProps) {
  const studyId = detail.study.studyId;
  const res = useLoad(`pbt:${studyId}`, () => api.plot(studyId, 'pbt', { maxPoints: 5000 }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const model = useMemo(() => (res.data === null ? null : pbtModel(res.data)), [res.data]);
  const panels = useMemo<Panel[]>(
    () => (res.data === null ? [] : [...res.data.params.slice(0, MAX_PANELS).map((col) => ({ kind: 'param' as const, col })), { kind: 'value' as const }]),
    [res.data],
  );
  if (res.data === null || model === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what="PBT members" />;
  return (
    <>
      <div className="pbt-panels" data-plot="pbt" data-ready="true" data-members={model.members.size}>
        {panels.map((p, k) => (
          <div key={p.kind === 'param' ? `p:${p.col.name}` : 'score'} className="pbt-panel">
            <h3>{p.kind === 'param' ? p.col.name : 'Score'}</h3>
            <PbtPanel d={res.data!} model={model} panel={p} last={k === panels.length - 1} studyId={studyId} />
          </div>
        ))}
      </div>
      <p className="muted plot-note">
        <span data-testid="pbt-members">{model.members.size}</span> members, one colour each; dotted lines mark exploits (a member copying another's
        checkpoint).
      </p>
      <SampledNote total={res.data.total} shown={res.data.numbers.length} sampled={res.data.sampled} what="segments" />
    </>
  );
}
