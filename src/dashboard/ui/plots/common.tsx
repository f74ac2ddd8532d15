/** Helpers shared by the plots. */
import { type ReactNode, type RefObject, useEffect, useRef, useState } from 'react';
import type { ParamColumn, StudyDetailResponse } from '../../api.js';
import { plotText } from '../components/plot.js';
import { formatNumber, formatParam } from '../format.js';

/**
 * Always SVG: Plotly's WebGL traces (scattergl, parcoords, splom) compile
 * shaders with \`new Function\`, which the dashboard's CSP forbids. The
 * server downsamples, so SVG stays fast.
 */
export function markerType(_n: number): 'scatter' {
  return 'scatter';
}

/** Keeps the pairs whose y is finite (Plotly cannot draw ±Infinity or NaN). */
export function finiteOnly(x: readonly number[], y: readonly number[]): { x: number[]; y: number[]; idx: number[] } {
  const ox: number[] = [];
  const oy: number[] = [];
  const idx: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (Number.isFinite(v)) {
      ox.push(x[i]!);
      oy.push(v);
      idx.push(i);
    }
  }
  return { x: ox, y: oy, idx };
}

export function SampledNote({
  total,
  shown,
  sampled,
  dropped,
  what,
}: {
  readonly total: number;
  readonly shown: number;
  readonly sampled: boolean;
  readonly dropped?: number;
  readonly what: string;
}) {
  const parts: string[] = [];
  parts.push(
    sampled ? `Showing ${shown.toLocaleString('en')} of ${total.toLocaleString('en')} ${what} (downsampled).` : `${total.toLocaleString('en')} ${what}.`,
  );
  if (dropped !== undefined && dropped > 0) parts.push(`${dropped} with a non-finite value (±Infinity) are not drawn.`);
  return <p className="muted plot-note">{parts.join(' ')}</p>;
}

/** Axis settings and plotted values of a parameter column (log axes, categorical ticks). */
export function paramAxis(col: ParamColumn): { values: (number | null)[]; axis: Record<string, unknown>; label: string } {
  if (col.kind === 'categorical') {
    return {
      values: [...col.values],
      label: plotText(col.name),
      axis: {
        title: { text: plotText(col.name) },
        tickmode: 'array',
        tickvals: col.choices.map((_, i) => i),
        ticktext: col.choices.map((c) => plotText(formatParam(c))),
        range: [-0.5, col.choices.length - 0.5],
      },
    };
  }
  return {
    values: [...col.values],
    label: plotText(col.name),
    axis: { title: { text: plotText(col.name) }, type: col.log ? 'log' : 'linear' },
  };
}

export function objectiveLabel(detail: StudyDetailResponse, objective: number): string {
  return detail.study.directions.length > 1
    ? `Objective ${objective} (${detail.study.directions[objective]})`
    : `Objective value (${detail.study.directions[0]})`;
}

/** About `n` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Margins of the plain-SVG charts (room for the y labels, legend and x title). */
export const SVG_MARGIN = { l: 64, r: 16, t: 28, b: 40 } as const;

/** A container's width, followed as it resizes (at least 320 px). */
export function useBoxWidth(): { box: RefObject<HTMLDivElement | null>; width: number } {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(900);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(320, el.clientWidth)));
    ro.observe(el);
    setWidth(Math.max(320, el.clientWidth));
    return () => ro.disconnect();
  }, []);
  return { box, width };
}

export interface SvgFrame {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  /** Plot area width and height inside the margins. */
  readonly W: number;
  readonly H: number;
  readonly sx: (x: number) => number;
  readonly sy: (y: number) => number;
}

/** Linear scales fitting the finite points (ys padded by 5%; a single value gets a unit range). */
export function svgFrame(xs: readonly number[], ys: readonly number[], width: number, height: number): SvgFrame {
  let x0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const x of xs) {
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
  }
  for (const y of ys) {
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (xs.length === 0) [x0, x1] = [0, 1];
  if (ys.length === 0) [y0, y1] = [0, 1];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const M = SVG_MARGIN;
  const W = width - M.l - M.r;
  const H = height - M.t - M.b;
  return { x0, x1, y0, y1, W, H, sx: (x) => M.l + ((x - x0) / (x1 - x0)) * W, sy: (y) => M.t + (1 - (y - y0) / (y1 - y0)) * H };
}

/** The grid, tick labels and x title of a plain-SVG chart. */
export function SvgGrid({
  frame,
  width,
  height,
  xTicks,
  xTitle,
  formatX = (t) => formatNumber(t, 4),
}: {
  readonly frame: SvgFrame;
  readonly width: number;
  readonly height: number;
  readonly xTicks: readonly number[];
  readonly xTitle: ReactNode;
  readonly formatX?: (t: number) => ReactNode;
}) {
  const M = SVG_MARGIN;
  const yTicks = niceTicks(frame.y0, frame.y1, 5);
  return (
    <>
      <g className="grid">
        {yTicks.map((t) => (
          <g key={`y${t}`} transform={`translate(0,${frame.sy(t)})`}>
            <line x1={M.l} x2={width - M.r} />
            <text x={M.l - 8} dy="0.32em" textAnchor="end">
              {formatNumber(t, 4)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <g key={`x${t}`} transform={`translate(${frame.sx(t)},0)`}>
            <line y1={M.t} y2={height - M.b} />
            <text y={height - M.b + 16} textAnchor="middle">
              {formatX(t)}
            </text>
          </g>
        ))}
      </g>
      <text className="axis-title" x={M.l + frame.W / 2} y={height - 4} textAnchor="middle">
        {xTitle}
      </text>
    </>
  );
}
