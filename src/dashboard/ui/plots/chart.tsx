/**
 * The dashboard's own chart: axes, grid, legend, hover tip, click-through to
 * a trial and drag-to-zoom on x, drawn as SVG by React. Plots hand it their
 * marks as a few `<path>` elements (one per series, a sub-path per point, bar
 * or curve), so thousands of marks cost a few DOM nodes, no plotting library
 * is evaluated, and a test can count the marks in the page (`M` commands, or
 * the `data-*` counts each plot sets from its drawing loop). Every label is a
 * text node: names never reach HTML.
 */
import { type PointerEvent, type ReactNode, useId, useMemo, useRef, useState } from 'react';
import type { ParamColumn } from '../../api.js';
import { formatNumber, formatParam } from '../format.js';
import { niceTicks, useBoxWidth } from './common.js';

export type AxisKind = 'linear' | 'log' | 'category' | 'time';

/** An axis: its kind, data range and title. Categories are drawn at indices 0…n−1. */
export interface Axis {
  readonly kind: AxisKind;
  readonly lo: number;
  readonly hi: number;
  readonly title?: string;
  readonly categories?: readonly string[];
  /** Ticks on whole numbers only (steps, trial numbers, int parameters). */
  readonly integer?: boolean;
}

export interface Tick {
  /** Position in pixels. */
  readonly at: number;
  readonly text: string;
}

export interface Scale {
  readonly map: (v: number) => number;
  readonly invert: (px: number) => number;
  readonly ticks: readonly Tick[];
}

export interface Margin {
  readonly l: number;
  readonly r: number;
  readonly t: number;
  readonly b: number;
}

export interface Scales {
  readonly sx: Scale;
  readonly sy: Scale;
  readonly width: number;
  readonly height: number;
  readonly m: Margin;
}

/** What the hover tip and clicks look at: mark positions in pixels. */
export interface Hits {
  readonly px: ArrayLike<number>;
  readonly py: ArrayLike<number>;
  /** For bars: where mark i ends on x (the pointer anywhere along it hits it). */
  readonly pxEnd?: ArrayLike<number>;
  readonly label: (i: number) => string;
  /** Trial number a click on mark i opens, if any. */
  readonly trial?: (i: number) => number | null;
}

export interface Marks {
  /** Clipped to the plot area. */
  readonly svg: ReactNode;
  /** Drawn outside the plot area too (colour bars). */
  readonly unclipped?: ReactNode;
  readonly hits?: Hits;
}

export interface LegendItem {
  readonly label: string;
  readonly color: string;
  readonly kind: 'dot' | 'line' | 'dash' | 'box';
}

const DEFAULT_MARGIN: Margin = { l: 64, r: 16, t: 12, b: 42 };
const HIT_RADIUS = 12;

/** Text cut to `n` characters with an ellipsis (the full text stays in a `<title>`). */
export function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function finiteRange(values: Iterable<number | null | undefined>, positiveOnly = false): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v) || (positiveOnly && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** A linear (or time) axis over the finite values, padded by `pad` of its span; [0, 1] when there are none. */
export function valueAxis(
  values: Iterable<number | null | undefined>,
  title: string,
  options: { readonly pad?: number; readonly zero?: boolean; readonly kind?: 'linear' | 'time'; readonly integer?: boolean } = {},
): Axis {
  const r = finiteRange(values) ?? [0, 1];
  let [lo, hi] = r;
  if (options.zero) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (hi === lo) {
    const d = lo === 0 ? 0.5 : Math.abs(lo) * 0.05;
    lo -= d;
    hi += d;
  }
  const pad = (hi - lo) * (options.pad ?? 0.05);
  return { kind: options.kind ?? 'linear', lo: options.zero && lo === 0 ? 0 : lo - pad, hi: hi + pad, title, integer: options.integer ?? false };
}

/** A log axis over the positive finite values, padded by 5% of its span in decades; [1, 10] when there are none. */
export function logAxis(values: Iterable<number | null | undefined>, title: string): Axis {
  const r = finiteRange(values, true) ?? [1, 10];
  const [lo, hi] = r[1] > r[0] ? r : [r[0] / 2, r[0] * 2];
  const pad = (hi / lo) ** 0.05;
  return { kind: 'log', lo: lo / pad, hi: hi * pad, title };
}

/** Whether every finite value is positive (and there is one), so a log axis can show them all. */
export function allPositive(values: Iterable<number | null | undefined>): boolean {
  let any = false;
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v <= 0) return false;
    any = true;
  }
  return any;
}

/** A categorical axis with one slot per label. */
export function categoryAxis(labels: readonly string[], title?: string): Axis {
  return { kind: 'category', lo: -0.5, hi: Math.max(0, labels.length - 1) + 0.5, categories: labels, ...(title === undefined ? {} : { title }) };
}

/** The axis of a parameter column: its distribution's range (log when the distribution is), or its choices. */
export function paramAxisOf(col: ParamColumn): Axis {
  if (col.kind === 'categorical')
    return categoryAxis(
      col.choices.map((c) => formatParam(c)),
      col.name,
    );
  if (col.log && col.low > 0) {
    const pad = (col.high / col.low) ** 0.03;
    return { kind: 'log', lo: col.low / pad, hi: col.high * pad, title: col.name };
  }
  const span = col.high - col.low || 1;
  return { kind: 'linear', lo: col.low - span * 0.03, hi: col.high + span * 0.03, title: col.name, integer: col.kind === 'int' };
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);

function timeTicks(lo: number, hi: number, n: number): number[] {
  const raw = (hi - lo) / Math.max(1, n);
  const step = TIME_STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 86_400_000) * 86_400_000;
  if (step < 1000) return niceTicks(lo, hi, n);
  const offset = new Date(lo).getTimezoneOffset() * 60_000;
  const out: number[] = [];
  for (let v = Math.ceil((lo - offset) / step) * step + offset; v <= hi; v += step) out.push(v);
  return out;
}

function timeText(ms: number, span: number): string {
  const d = new Date(ms);
  const p = (k: number) => String(k).padStart(2, '0');
  const hm = `${p(d.getHours())}:${p(d.getMinutes())}`;
  if (span > 2 * 86_400_000) return `${d.getMonth() + 1}/${d.getDate()} ${hm}`;
  return span > 600_000 ? hm : `${hm}:${p(d.getSeconds())}`;
}

/** At least two round ticks where the axis allows (whole numbers only on integer axes). */
function linearTicks(axis: Axis, n: number): number[] {
  const pick = (k: number) => niceTicks(axis.lo, axis.hi, k).filter((v) => !axis.integer || Number.isInteger(v));
  let t = pick(n);
  if (t.length < 3) t = pick(2 * n);
  if (axis.integer && t.length < 2) {
    t = [];
    for (let v = Math.ceil(axis.lo); v <= axis.hi && t.length < 50; v++) t.push(v);
  }
  return t;
}

/** A scale from `axis` (data units) to pixels p0…p1, with about `n` ticks. */
export function scaleOf(axis: Axis, p0: number, p1: number, n: number): Scale {
  const log = axis.kind === 'log';
  const f = (v: number) => (log ? Math.log10(v) : v);
  const a = f(axis.lo);
  const b = f(axis.hi);
  const span = b - a || 1;
  const map = (v: number) => p0 + ((f(v) - a) / span) * (p1 - p0);
  const invert = (px: number) => {
    const u = a + ((px - p0) / (p1 - p0)) * span;
    return log ? 10 ** u : u;
  };
  let ticks: Tick[];
  if (axis.kind === 'category') {
    const cats = axis.categories ?? [];
    const every = Math.max(1, Math.ceil(cats.length / Math.max(2, n * 2)));
    ticks = cats.flatMap((c, i) => (i % every === 0 ? [{ at: map(i), text: clip(c, 14) }] : []));
  } else if (log) {
    const vals: number[] = [];
    for (let e = Math.floor(a); e <= Math.ceil(b); e++) for (const m of b - a < 2 ? [1, 2, 5] : [1]) vals.push(m * 10 ** e);
    const inside = vals.filter((v) => v >= axis.lo * (1 - 1e-9) && v <= axis.hi * (1 + 1e-9));
    ticks = (inside.length >= 2 ? inside : [axis.lo, axis.hi]).map((v) => ({ at: map(v), text: formatNumber(v, 3) }));
  } else if (axis.kind === 'time') {
    ticks = timeTicks(axis.lo, axis.hi, n).map((v) => ({ at: map(v), text: timeText(v, axis.hi - axis.lo) }));
  } else {
    ticks = linearTicks(axis, n).map((v) => ({ at: map(v), text: formatNumber(v, 4) }));
  }
  return { map, invert, ticks };
}

/** Viridis, sampled at 9 stops (r, g, b) and interpolated: t in [0, 1] → [r, g, b]. */
const VIRIDIS = [
  [68, 1, 84],
  [71, 45, 123],
  [59, 82, 139],
  [44, 114, 142],
  [33, 145, 140],
  [40, 174, 128],
  [94, 201, 98],
  [173, 220, 48],
  [253, 231, 37],
] as const;
export function viridisRgb(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const k = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - k;
  const a = VIRIDIS[k]!;
  const b = VIRIDIS[k + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}
export function viridis(t: number): string {
  const [r, g, b] = viridisRgb(t);
  return `rgb(${r},${g},${b})`;
}

/** A path of dots: one zero-length sub-path per point, drawn with round caps (count them by their `M`). */
export function dotPath(xs: ArrayLike<number>, ys: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < xs.length; i++) parts.push(`M${xs[i]!.toFixed(1)} ${ys[i]!.toFixed(1)}h0`);
  return parts.join('');
}

/**
 * A polyline as one SVG path: `to` adds a vertex, joined to the one before
 * unless `lift` came in between (a gap, e.g. for a missing value).
 */
export class LinePath {
  private readonly parts: string[] = [];
  private pen = false;

  to(px: number, py: number): void {
    this.parts.push(`${this.pen ? 'L' : 'M'}${px.toFixed(1)} ${py.toFixed(1)}`);
    this.pen = true;
  }

  lift(): void {
    this.pen = false;
  }

  /** The vertices added so far. */
  get vertices(): number {
    return this.parts.length;
  }

  get d(): string {
    return this.parts.join('');
  }
}

function Legend({ items }: { readonly items: readonly LegendItem[] }) {
  return (
    <div className="chart-legend">
      {items.map((it) => (
        <span key={it.label} className="legend-item">
          <svg width={22} height={12} aria-hidden="true">
            {it.kind === 'dot' ? <circle cx={11} cy={6} r={3.5} fill={it.color} /> : null}
            {it.kind === 'box' ? <rect x={4} y={1} width={14} height={10} fill={it.color} /> : null}
            {it.kind === 'line' || it.kind === 'dash' ? (
              <path d="M1 6h20" stroke={it.color} strokeWidth={2} strokeDasharray={it.kind === 'dash' ? '3 3' : undefined} />
            ) : null}
          </svg>
          {it.label}
        </span>
      ))}
    </div>
  );
}

export interface ChartProps {
  /** data-plot="…", for tests and styling. */
  readonly name: string;
  readonly x: Axis;
  readonly y: Axis;
  /** Draws the marks for these scales (memoize it: it runs when data, size or zoom change). */
  readonly draw: (s: Scales) => Marks;
  readonly height?: number;
  readonly margin?: Partial<Margin>;
  readonly minWidth?: number;
  readonly legend?: readonly LegendItem[];
  /** Extra data-* attributes on the chart's box (counts for tests). */
  readonly data?: Readonly<Record<string, string | number>>;
  readonly onTrial?: (trial: number) => void;
  /** Drag across the plot to zoom x (linear, log and time axes); double-click to reset. Default on. */
  readonly zoom?: boolean;
  readonly ariaLabel?: string;
}

export function Chart({ name, x, y, draw, height = 360, margin, minWidth = 320, legend, data, onTrial, zoom = true, ariaLabel }: ChartProps) {
  const { box, width } = useBoxWidth(minWidth);
  const clipId = useId();
  const m: Margin = { ...DEFAULT_MARGIN, ...margin };
  const [xZoom, setXZoom] = useState<readonly [number, number] | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const drag = useRef<number | null>(null);
  const [band, setBand] = useState<readonly [number, number] | null>(null);
  const canZoom = zoom && x.kind !== 'category';
  const xAxis: Axis = xZoom === null ? x : { ...x, lo: xZoom[0], hi: xZoom[1] };
  // biome-ignore lint/correctness/useExhaustiveDependencies: the axes and margin are compared by value
  const scales = useMemo<Scales>(() => {
    const W = width - m.l - m.r;
    const H = height - m.t - m.b;
    return {
      sx: scaleOf(xAxis, m.l, m.l + W, Math.max(2, Math.floor(W / 90))),
      sy: scaleOf(y, m.t + H, m.t, Math.max(2, Math.floor(H / 50))),
      width,
      height,
      m,
    };
  }, [width, height, xAxis.kind, xAxis.lo, xAxis.hi, xAxis.categories, y.kind, y.lo, y.hi, y.categories, m.l, m.r, m.t, m.b]);
  const marks = useMemo(() => draw(scales), [draw, scales]);
  const hits = marks.hits;

  const local = (e: PointerEvent<SVGSVGElement> | React.MouseEvent<SVGSVGElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top] as const;
  };
  const nearest = (mx: number, my: number): number | null => {
    if (hits === undefined) return null;
    let best: number | null = null;
    let bestD = HIT_RADIUS * HIT_RADIUS;
    for (let i = 0; i < hits.px.length; i++) {
      const x0 = hits.px[i]!;
      const x1 = hits.pxEnd === undefined ? x0 : hits.pxEnd[i]!;
      const dx = mx < x0 ? x0 - mx : mx > x1 ? mx - x1 : 0;
      const dy = hits.py[i]! - my;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  };
  const inPlot = (mx: number) => Math.min(width - m.r, Math.max(m.l, mx));

  const attrs: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(data ?? {})) attrs[`data-${k}`] = v;
  const hoverTrial = hover !== null && hits?.trial !== undefined ? hits.trial(hover) : null;
  return (
    <div ref={box} className="chart" data-plot={name} data-ready="true" {...attrs}>
      {legend !== undefined && legend.length > 0 ? <Legend items={legend} /> : null}
      <div className="chart-area">
        <svg
          width={width}
          height={height}
          role="img"
          aria-label={ariaLabel ?? name}
          className={hoverTrial !== null && onTrial !== undefined ? 'pointing' : undefined}
          onPointerDown={(e) => {
            if (e.button !== 0) return;
            const [mx] = local(e);
            drag.current = inPlot(mx);
          }}
          onPointerMove={(e) => {
            const [mx, my] = local(e);
            if (drag.current !== null) {
              if (canZoom && Math.abs(mx - drag.current) > 4) {
                e.currentTarget.setPointerCapture(e.pointerId);
                setBand([drag.current, inPlot(mx)]);
              }
              return;
            }
            setHover(nearest(mx, my));
          }}
          onPointerUp={(e) => {
            const start = drag.current;
            drag.current = null;
            const b = band;
            setBand(null);
            if (start === null) return;
            if (b !== null && Math.abs(b[1] - b[0]) > 4) {
              const lo = scales.sx.invert(Math.min(b[0], b[1]));
              const hi = scales.sx.invert(Math.max(b[0], b[1]));
              if (hi > lo) setXZoom([lo, hi]);
              return;
            }
            const [mx, my] = local(e);
            const i = nearest(mx, my);
            const t = i !== null && hits?.trial !== undefined ? hits.trial(i) : null;
            if (t !== null && onTrial !== undefined) onTrial(t);
          }}
          onPointerLeave={() => setHover(null)}
          onDoubleClick={() => setXZoom(null)}
        >
          <defs>
            <clipPath id={clipId}>
              <rect x={m.l} y={m.t - 4} width={Math.max(0, width - m.l - m.r)} height={Math.max(0, height - m.t - m.b + 8)} />
            </clipPath>
          </defs>
          <g className="grid">
            {scales.sy.ticks.map((t, i) => (
              <g key={`y${i}`} transform={`translate(0,${t.at.toFixed(1)})`}>
                <line x1={m.l} x2={width - m.r} />
                <text x={m.l - 6} dy="0.32em" textAnchor="end">
                  {t.text}
                </text>
              </g>
            ))}
            {scales.sx.ticks.map((t, i) => (
              <g key={`x${i}`} transform={`translate(${t.at.toFixed(1)},0)`}>
                <line y1={m.t} y2={height - m.b} />
                <text y={height - m.b + 15} textAnchor="middle">
                  {t.text}
                </text>
              </g>
            ))}
          </g>
          <path className="frame" d={`M${m.l} ${m.t}V${height - m.b}H${width - m.r}`} />
          {x.title !== undefined ? (
            <text className="axis-title" x={m.l + (width - m.l - m.r) / 2} y={height - 6} textAnchor="middle">
              {clip(x.title, 60)}
            </text>
          ) : null}
          {y.title !== undefined ? (
            <text className="axis-title" transform={`translate(12,${m.t + (height - m.t - m.b) / 2}) rotate(-90)`} textAnchor="middle">
              {clip(y.title, 40)}
            </text>
          ) : null}
          <g className="marks" clipPath={`url(#${clipId})`}>
            {marks.svg}
          </g>
          {marks.unclipped}
          {hover !== null && hits !== undefined && hits.pxEnd === undefined ? <circle className="hover" cx={hits.px[hover]} cy={hits.py[hover]} r={6} /> : null}
          {band !== null ? (
            <rect className="zoom-band" x={Math.min(band[0], band[1])} width={Math.abs(band[1] - band[0])} y={m.t} height={height - m.t - m.b} />
          ) : null}
        </svg>
        {hover !== null && hits !== undefined ? (
          <div className="tip" style={{ left: Math.max(0, Math.min(width - 220, hits.px[hover]! + 10)), top: Math.max(0, hits.py[hover]! - 34) }}>
            {hits.label(hover)}
          </div>
        ) : null}
      </div>
      {xZoom !== null ? (
        <button type="button" className="linklike zoom-reset" onClick={() => setXZoom(null)}>
          Reset zoom
        </button>
      ) : null}
    </div>
  );
}
