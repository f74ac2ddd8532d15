/**
 * The overview's optimization history, drawn as plain SVG by React: every
 * COMPLETE trial's value as a dot and the best-so-far as a step line. It
 * needs no plotting library, so the overview is usable as soon as its data
 * arrives; the history plot page has the zoomable Plotly version.
 */
import { type MouseEvent, useEffect, useMemo, useRef, useState } from 'react';
import type { HistoryData } from '../../api.js';
import { formatNumber } from '../format.js';
import { href } from '../route.js';
import { finiteOnly, niceTicks } from './common.js';

const M = { l: 64, r: 16, t: 28, b: 40 };

export function HistorySvg({ data, studyId, height = 360 }: { readonly data: HistoryData; readonly studyId: number; readonly height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(900);
  const [hover, setHover] = useState<number | null>(null);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(320, el.clientWidth)));
    ro.observe(el);
    setWidth(Math.max(320, el.clientWidth));
    return () => ro.disconnect();
  }, []);

  const pts = useMemo(() => finiteOnly(data.numbers, data.values), [data]);
  const best = useMemo(() => finiteOnly(data.numbers, data.best), [data]);
  const geo = useMemo(() => {
    const xs = [...pts.x, ...best.x];
    const ys = [...pts.y, ...best.y];
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
    let dots = '';
    for (let i = 0; i < pts.x.length; i++) dots += `M${sx(pts.x[i]!).toFixed(1)} ${sy(pts.y[i]!).toFixed(1)}h0`;
    let line = '';
    for (let i = 0; i < best.x.length; i++) {
      const x = sx(best.x[i]!).toFixed(1);
      const y = sy(best.y[i]!).toFixed(1);
      line += i === 0 ? `M${x} ${y}` : `H${x}V${y}`;
    }
    return { x0, x1, y0, y1, sx, sy, dots, line, W, H };
  }, [pts, best, width, height]);

  const xTicks = niceTicks(geo.x0, geo.x1, Math.max(2, Math.floor(geo.W / 110))).filter((t) => Number.isInteger(t));
  const yTicks = niceTicks(geo.y0, geo.y1, 5);

  const nearest = (e: MouseEvent<SVGSVGElement>): number | null => {
    const r = e.currentTarget.getBoundingClientRect();
    const mx = e.clientX - r.left;
    const my = e.clientY - r.top;
    let bestI: number | null = null;
    let bestD = 12 * 12;
    for (let i = 0; i < pts.x.length; i++) {
      const dx = geo.sx(pts.x[i]!) - mx;
      const dy = geo.sy(pts.y[i]!) - my;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        bestI = i;
      }
    }
    return bestI;
  };

  return (
    <div ref={box} className="history-svg" data-plot="history-svg" data-ready="true" data-points={pts.x.length} data-best-points={best.x.length}>
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: a pointer shortcut; the trials table links every trial for keyboards */}
      <svg
        width={width}
        height={height}
        role="img"
        aria-label="Optimization history"
        onMouseMove={(e) => setHover(nearest(e))}
        onMouseLeave={() => setHover(null)}
        onClick={() => {
          if (hover !== null) window.location.assign(href.trial(studyId, pts.x[hover]!));
        }}
      >
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
                {t}
              </text>
            </g>
          ))}
        </g>
        <text className="axis-title" x={M.l + geo.W / 2} y={height - 4} textAnchor="middle">
          Trial
        </text>
        <path className="dots" d={geo.dots} />
        <path className="best" d={geo.line} />
        <g className="legend" transform={`translate(${M.l},12)`}>
          <path className="dots" d="M4 0h0" />
          <text x={12} dy="0.32em">
            Objective value
          </text>
          <path className="best" d="M120 0h22" />
          <text x={148} dy="0.32em">
            Best so far
          </text>
        </g>
        {hover !== null ? <circle className="hover" cx={geo.sx(pts.x[hover]!)} cy={geo.sy(pts.y[hover]!)} r={6} /> : null}
      </svg>
      {hover !== null ? (
        <div className="tip" style={{ left: Math.min(width - 180, geo.sx(pts.x[hover]!) + 10), top: geo.sy(pts.y[hover]!) - 30 }}>
          trial {pts.x[hover]}: {formatNumber(pts.y[hover]!)}
        </div>
      ) : null}
    </div>
  );
}
