/**
 * PBT hyperparameter schedules. Each trial is one segment of a member's
 * training (steps `start` to `end`) with fixed parameters, so a member's
 * schedule is a step line through its segments; a dotted line marks where an
 * exploit copied another member's checkpoint.
 */
import { useMemo } from 'react';
import type { PbtData } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { type FigureLayout, Plot, type Trace } from '../components/plot.js';
import { useReloadOnTick } from '../live.js';
import { paramAxis, SampledNote } from './common.js';
import type { PlotProps } from './props.js';

const MAX_PANELS = 6;
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#f59e0b', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4b5563'];

export function pbtFigure(d: PbtData): { data: Trace[]; layout: FigureLayout; panels: number; members: number } {
  const n = d.numbers.length;
  const row = new Map<number, number>();
  for (let i = 0; i < n; i++) row.set(d.numbers[i]!, i);
  const x0 = (i: number) => d.start[i] ?? d.generation[i] ?? 0;
  const x1 = (i: number) => d.end[i] ?? (d.generation[i] ?? 0) + 1;
  // Members: segments grouped by member id (or by following parents back to the first segment).
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
  const panels = [...d.params.slice(0, MAX_PANELS).map((c) => ({ kind: 'param' as const, col: c })), { kind: 'value' as const }];
  const data: Trace[] = [];
  const layout: FigureLayout = {
    grid: { rows: panels.length, columns: 1, pattern: 'independent', ygap: 0.22 },
    showlegend: false,
    margin: { l: 80, r: 24, t: 16, b: 48 },
    hovermode: 'closest',
  };
  panels.forEach((panel, k) => {
    const ys: (number | null)[] = panel.kind === 'param' ? paramAxis(panel.col).values : d.values.map((v) => (v !== null && Number.isFinite(v) ? v : null));
    const suffix = k === 0 ? '' : String(k + 1);
    let mi = 0;
    for (const [member, list] of members) {
      const x: (number | null)[] = [];
      const y: (number | null)[] = [];
      const text: string[] = [];
      for (const i of list) {
        const v = ys[i];
        if (v === null || v === undefined) continue;
        if (panel.kind === 'param') {
          x.push(x0(i), x1(i));
          y.push(v, v);
          text.push(`trial ${d.numbers[i]}`, `trial ${d.numbers[i]}`);
        } else {
          x.push(x1(i));
          y.push(v);
          text.push(`trial ${d.numbers[i]}`);
        }
      }
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: `member ${member}`,
        x,
        y,
        text,
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
        line: { color: PALETTE[mi % PALETTE.length], width: 1.5 },
        marker: { size: 4 },
        hovertemplate: `member ${member}, %{text}<br>step %{x}: %{y}<extra></extra>`,
      });
      mi++;
    }
    // Exploits: from the copied trial's end to the new segment's start.
    const ex: (number | null)[] = [];
    const ey: (number | null)[] = [];
    for (let i = 0; i < n; i++) {
      const from = d.exploitedFrom[i];
      const fi = from === null || from === undefined ? undefined : row.get(from);
      if (fi === undefined) continue;
      const a = ys[fi];
      const b = ys[i];
      if (a === null || a === undefined || b === null || b === undefined) continue;
      ex.push(x1(fi), x0(i), null);
      ey.push(a, b, null);
    }
    if (ex.length > 0 && panel.kind === 'param') {
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: 'exploit',
        x: ex,
        y: ey,
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
        line: { color: '#6b7280', width: 1, dash: 'dot' },
        hoverinfo: 'skip',
      });
    }
    layout[`yaxis${suffix}`] = panel.kind === 'param' ? paramAxis(panel.col).axis : { title: { text: 'Score' } };
    layout[`xaxis${suffix}`] = { title: { text: k === panels.length - 1 ? 'Step' : '' } };
  });
  return { data, layout, panels: panels.length, members: members.size };
}

export function PbtPlot({ detail, tick }: PlotProps) {
  const studyId = detail.study.studyId;
  const res = useLoad(`pbt:${studyId}`, () => api.plot(studyId, 'pbt', { maxPoints: 5000 }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const fig = useMemo(() => (res.data === null ? null : pbtFigure(res.data)), [res.data]);
  if (res.data === null || fig === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what="PBT members" />;
  return (
    <>
      <Plot name="pbt" data={fig.data} layout={fig.layout} height={Math.max(360, 220 * fig.panels)} />
      <p className="muted plot-note">
        <span data-testid="pbt-members">{fig.members}</span> members; dotted lines mark exploits (a member copying another's checkpoint).
      </p>
      <SampledNote total={res.data.total} shown={res.data.numbers.length} sampled={res.data.sampled} what="segments" />
    </>
  );
}
