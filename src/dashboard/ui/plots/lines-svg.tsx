/**
 * A few line series (a trial's learning curves, one per fold) drawn as plain
 * SVG by React, so the trial page needs no plotting library. Non-finite
 * values break the line.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { formatNumber } from '../format.js';
import { niceTicks } from './common.js';

export interface Series {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly (number | null)[];
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#f59e0b', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];
const M = { l: 64, r: 16, t: 28, b: 40 };

export function LinesSvg({
  series,
  name,
  xTitle,
  height = 320,
}: {
  readonly series: readonly Series[];
  readonly name: string;
  readonly xTitle: string;
  readonly height?: number;
}) {
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
  const geo = useMemo(() => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const s of series) {
      s.x.forEach((x, i) => {
        const y = s.y[i];
        if (y !== null && y !== undefined && Number.isFinite(y) && Number.isFinite(x)) {
          xs.push(x);
          ys.push(y);
        }
      });
    }
    const x0 = xs.length > 0 ? Math.min(...xs) : 0;
    let x1 = xs.length > 0 ? Math.max(...xs) : 1;
    let y0 = ys.length > 0 ? Math.min(...ys) : 0;
    let y1 = ys.length > 0 ? Math.max(...ys) : 1;
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) {
      y0 -= 0.5;
      y1 += 0.5;
    }
    const pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
    const W = width - M.l - M.r;
    const H = height - M.t - M.b;
    const sx = (x: number) => M.l + ((x - x0) / (x1 - x0)) * W;
    const sy = (y: number) => M.t + (1 - (y - y0) / (y1 - y0)) * H;
    const paths = series.map((s) => {
      let d = '';
      let pen = false;
      let points = 0;
      s.x.forEach((x, i) => {
        const y = s.y[i];
        if (y === null || y === undefined || !Number.isFinite(y)) {
          pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`;
        pen = true;
        points++;
      });
      return { d, points };
    });
    return { x0, x1, y0, y1, sx, sy, W, paths };
  }, [series, width, height]);
  const xTicks = niceTicks(geo.x0, geo.x1, Math.max(2, Math.floor(geo.W / 110)));
  const yTicks = niceTicks(geo.y0, geo.y1, 5);
  return (
    <div ref={box} className="lines-svg" data-plot={name} data-ready="true" data-series={series.length}>
      <svg width={width} height={height} role="img" aria-label={xTitle}>
        <g className="grid">
          {yTicks.map((t) => (
            <g key={`y${t}`} transform={`translate(0,${geo.sy(t)})`}>
              <line x1={M.l} x2={width - M.r} />
              <text x={M.l - 8} dy="0.32em" textAnchor="end">
                {formatNumber(t, 4)}
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <g key={`x${t}`} transform={`translate(${geo.sx(t)},0)`}>
              <line y1={M.t} y2={height - M.b} />
              <text y={height - M.b + 16} textAnchor="middle">
                {formatNumber(t, 4)}
              </text>
            </g>
          ))}
        </g>
        <text className="axis-title" x={M.l + geo.W / 2} y={height - 4} textAnchor="middle">
          {xTitle}
        </text>
        {geo.paths.map((p, k) => (
          <path key={k} className="series" d={p.d} stroke={COLORS[k % COLORS.length]} data-points={p.points}>
            <title>{series[k]!.name}</title>
          </path>
        ))}
        <g className="legend">
          {series.map((s, k) => (
            <g key={k} transform={`translate(${M.l + 110 * k},12)`}>
              <path d="M0 0h18" stroke={COLORS[k % COLORS.length]} className="key" />
              <text x={24} dy="0.32em">
                {s.name}
              </text>
            </g>
          ))}
        </g>
      </svg>
    </div>
  );
}
