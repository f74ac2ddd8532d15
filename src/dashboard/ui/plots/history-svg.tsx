/**
 * The overview's optimization history, drawn as plain SVG by React: every
 * COMPLETE trial's value as a dot and the best-so-far as a step line. It
 * needs no plotting library, so the overview is usable as soon as its data
 * arrives; the history plot page has the zoomable Plotly version.
 */
import { type MouseEvent, useMemo, useState } from 'react';
import type { HistoryData } from '../../api.js';
import { formatNumber } from '../format.js';
import { href } from '../route.js';
import { finiteOnly, SVG_MARGIN as M, niceTicks, SvgGrid, svgFrame, useBoxWidth } from './common.js';

export function HistorySvg({ data, studyId, height = 360 }: { readonly data: HistoryData; readonly studyId: number; readonly height?: number }) {
  const { box, width } = useBoxWidth();
  const [hover, setHover] = useState<number | null>(null);

  const pts = useMemo(() => finiteOnly(data.numbers, data.values), [data]);
  const best = useMemo(() => finiteOnly(data.numbers, data.best), [data]);
  const geo = useMemo(() => {
    const frame = svgFrame([...pts.x, ...best.x], [...pts.y, ...best.y], width, height);
    const { sx, sy } = frame;
    let dots = '';
    for (let i = 0; i < pts.x.length; i++) dots += `M${sx(pts.x[i]!).toFixed(1)} ${sy(pts.y[i]!).toFixed(1)}h0`;
    let line = '';
    for (let i = 0; i < best.x.length; i++) {
      const x = sx(best.x[i]!).toFixed(1);
      const y = sy(best.y[i]!).toFixed(1);
      line += i === 0 ? `M${x} ${y}` : `H${x}V${y}`;
    }
    return { ...frame, dots, line };
  }, [pts, best, width, height]);

  const xTicks = niceTicks(geo.x0, geo.x1, Math.max(2, Math.floor(geo.W / 110))).filter((t) => Number.isInteger(t));

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
        <SvgGrid frame={geo} width={width} height={height} xTicks={xTicks} xTitle="Trial" formatX={(t) => t} />
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
