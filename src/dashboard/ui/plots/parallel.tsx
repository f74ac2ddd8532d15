/**
 * Parallel coordinates: one line per COMPLETE trial across the objective and
 * every parameter. Drawn as plain SVG by React rather than with Plotly's
 * `parcoords`, whose WebGL code generator needs `eval` and so cannot run
 * under the dashboard's CSP (`script-src 'self'`). Labels are text nodes.
 * Drag along an axis to keep only the lines passing through that range.
 */
import { type PointerEvent, useMemo, useRef, useState } from 'react';
import type { ParamColumn, ParamsData } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { formatNumber, formatParam } from '../format.js';
import { useReloadOnTick } from '../live.js';
import { LinePath, viridis } from './chart.js';
import { niceTicks, openTrial, SampledNote } from './common.js';
import type { PlotProps } from './props.js';

/** The server keeps the best trials and a seeded sample beyond this many. */
const MAX_LINES = 1000;
const H = 420;
const TOP = 64;
const BOTTOM = 28;
const AXIS_GAP = 150;
/** Room for the first and last axis labels (centred on their axis, up to 24 characters). */
const LEFT = 100;

interface Axis {
  readonly label: string;
  /** Position in [0, 1] (0 = bottom) of row i, or null when the trial lacks the parameter. */
  readonly pos: (i: number) => number | null;
  readonly ticks: readonly { readonly at: number; readonly text: string }[];
}

function numericAxis(label: string, values: readonly (number | null)[], lo: number, hi: number, log: boolean): Axis {
  if (log) {
    const a = Math.log10(lo);
    const b = Math.log10(hi);
    const span = b - a || 1;
    const ticks = [];
    for (let e = Math.ceil(a); e <= Math.floor(b); e++) ticks.push({ at: (e - a) / span, text: formatNumber(10 ** e) });
    return { label, ticks, pos: (i) => (values[i] === null || values[i] === undefined ? null : (Math.log10(values[i]!) - a) / span) };
  }
  const span = hi - lo || 1;
  return {
    label,
    ticks: niceTicks(lo, hi).map((v) => ({ at: (v - lo) / span, text: formatNumber(v, 4) })),
    pos: (i) => (values[i] === null || values[i] === undefined ? null : hi === lo ? 0.5 : (values[i]! - lo) / span),
  };
}

function paramAxisOf(col: ParamColumn): Axis {
  if (col.kind === 'categorical') {
    const n = col.choices.length;
    const at = (k: number) => (n <= 1 ? 0.5 : k / (n - 1));
    return {
      label: col.name,
      ticks: col.choices.map((c, k) => ({ at: at(k), text: formatParam(c) })),
      pos: (i) => (col.values[i] === null || col.values[i] === undefined ? null : at(col.values[i]!)),
    };
  }
  return numericAxis(col.name, col.values, col.low, col.high, col.log);
}

export interface ParallelModel {
  readonly axes: readonly Axis[];
  /** Row indices drawn (finite objective), worst first so the best lie on top. */
  readonly rows: readonly number[];
  /** Colour position in [0, 1] of each row, 1 = best. */
  readonly quality: (i: number) => number;
  readonly dropped: number;
}

export function parallelModel(d: ParamsData): ParallelModel {
  const rows: number[] = [];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < d.values.length; i++) {
    const v = d.values[i]!;
    if (!Number.isFinite(v)) continue;
    rows.push(i);
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const sign = d.direction === 'minimize' ? -1 : 1;
  const quality = (i: number) => (hi === lo ? 1 : sign > 0 ? (d.values[i]! - lo) / (hi - lo) : (hi - d.values[i]!) / (hi - lo));
  rows.sort((a, b) => quality(a) - quality(b));
  const axes = [numericAxis('Objective', d.values, rows.length > 0 ? lo : 0, rows.length > 0 ? hi : 1, false), ...d.params.map(paramAxisOf)];
  return { axes, rows, quality, dropped: d.values.length - rows.length };
}

type Brush = { readonly axis: number; readonly from: number; readonly to: number };

function ParallelSvg({ d, studyId }: { readonly d: ParamsData; readonly studyId: number }) {
  const model = useMemo(() => parallelModel(d), [d]);
  const [brushes, setBrushes] = useState<readonly Brush[]>([]);
  const drag = useRef<{ axis: number; start: number } | null>(null);
  const [live, setLive] = useState<Brush | null>(null);
  const width = LEFT * 2 + AXIS_GAP * Math.max(1, model.axes.length - 1);
  const plotH = H - TOP - BOTTOM;
  const xOf = (k: number) => LEFT + k * AXIS_GAP;
  const yOf = (p: number) => TOP + (1 - p) * plotH;
  const all = live === null ? brushes : [...brushes.filter((b) => b.axis !== live.axis), live];
  const kept = (i: number) =>
    all.every((b) => {
      const p = model.axes[b.axis]!.pos(i);
      return p !== null && p >= Math.min(b.from, b.to) && p <= Math.max(b.from, b.to);
    });
  const path = (i: number) => {
    const line = new LinePath();
    model.axes.forEach((ax, k) => {
      const p = ax.pos(i);
      if (p === null || !Number.isFinite(p)) line.lift();
      else line.to(xOf(k), yOf(p));
    });
    return line.d;
  };
  const open = openTrial(studyId);
  const posAt = (e: PointerEvent<SVGRectElement>) => {
    const svg = e.currentTarget.ownerSVGElement!;
    const box = svg.getBoundingClientRect();
    const y = ((e.clientY - box.top) / box.height) * H;
    return Math.min(1, Math.max(0, 1 - (y - TOP) / plotH));
  };
  const shown = model.rows.filter(kept).length;
  return (
    <div className="parallel" data-plot="parallel" data-ready="true" data-lines={model.rows.length}>
      <svg viewBox={`0 0 ${width} ${H}`} width="100%" style={{ maxWidth: width * 1.4 }} role="img" aria-label="Parallel coordinates">
        <g className="pc-lines">
          {model.rows.map((i) => {
            const on = kept(i);
            return (
              // biome-ignore lint/a11y/noStaticElementInteractions: a pointer shortcut; the trials table links every trial for keyboards
              <path
                key={i}
                className={on ? 'pc-line' : 'pc-line pc-off'}
                d={path(i)}
                stroke={on ? viridis(model.quality(i)) : '#d1d5db'}
                onClick={() => open(d.numbers[i]!)}
              >
                <title>{`trial ${d.numbers[i]}: ${formatNumber(d.values[i]!)}`}</title>
              </path>
            );
          })}
        </g>
        {model.axes.map((ax, k) => (
          <g key={k} className="pc-axis" transform={`translate(${xOf(k)},0)`}>
            <line y1={TOP} y2={TOP + plotH} stroke="#374151" />
            {ax.ticks.map((t, j) => (
              <g key={j} transform={`translate(0,${yOf(t.at)})`}>
                <line x2={-5} stroke="#374151" />
                <text x={-8} dy="0.32em" textAnchor="end" className="pc-tick">
                  {t.text.length > 14 ? `${t.text.slice(0, 13)}…` : t.text}
                </text>
              </g>
            ))}
            <title>{ax.label}</title>
            <text y={TOP - (k % 2 === 0 ? 14 : 32)} textAnchor="middle" className="pc-label">
              {ax.label.length > 24 ? `${ax.label.slice(0, 23)}…` : ax.label}
            </text>
            {all
              .filter((b) => b.axis === k)
              .map((b, j) => (
                <rect key={j} x={-7} width={14} y={yOf(Math.max(b.from, b.to))} height={Math.abs(b.to - b.from) * plotH} className="pc-brush" />
              ))}
            <rect
              x={-12}
              width={24}
              y={TOP}
              height={plotH}
              className="pc-hit"
              onPointerDown={(e) => {
                e.currentTarget.setPointerCapture(e.pointerId);
                const p = posAt(e);
                drag.current = { axis: k, start: p };
                setLive({ axis: k, from: p, to: p });
              }}
              onPointerMove={(e) => {
                if (drag.current?.axis === k) setLive({ axis: k, from: drag.current.start, to: posAt(e) });
              }}
              onPointerUp={(e) => {
                const start = drag.current;
                drag.current = null;
                setLive(null);
                if (start === null) return;
                const p = posAt(e);
                const rest = brushes.filter((b) => b.axis !== k);
                // A click without a drag clears the axis' range.
                setBrushes(Math.abs(p - start.start) < 0.01 ? rest : [...rest, { axis: k, from: start.start, to: p }]);
              }}
            />
          </g>
        ))}
      </svg>
      <p className="muted plot-note">
        {shown === model.rows.length
          ? 'Drag along an axis to keep only the trials in a range; click an axis to clear it; click a line to open its trial.'
          : `${shown} of ${model.rows.length} trials in the selected ranges. `}
        {brushes.length > 0 ? (
          <button type="button" className="linklike" onClick={() => setBrushes([])}>
            Clear all ranges
          </button>
        ) : null}
      </p>
    </div>
  );
}

export function ParallelPlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  const res = useLoad(`params:${studyId}:${objective}:parallel`, () => api.plot(studyId, 'params', { objective, maxPoints: MAX_LINES }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  if (res.data === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what="parameters" />;
  const dropped = res.data.values.filter((v) => !Number.isFinite(v)).length;
  return (
    <>
      <ParallelSvg d={res.data} studyId={studyId} />
      <SampledNote total={res.data.total} shown={res.data.values.length} sampled={res.data.sampled} dropped={dropped} what="complete trials" />
    </>
  );
}
