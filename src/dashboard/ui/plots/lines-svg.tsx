/**
 * A few line series (a trial's learning curves, one per fold) drawn as plain
 * SVG by React, so the trial page needs no plotting library. Non-finite
 * values break the line.
 */
import { useMemo } from 'react';
import { SVG_MARGIN as M, niceTicks, SvgGrid, svgFrame, useBoxWidth } from './common.js';

export interface Series {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly (number | null)[];
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#f59e0b', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

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
  const { box, width } = useBoxWidth();
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
    const frame = svgFrame(xs, ys, width, height);
    const { sx, sy } = frame;
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
    return { ...frame, paths };
  }, [series, width, height]);
  const xTicks = niceTicks(geo.x0, geo.x1, Math.max(2, Math.floor(geo.W / 110)));
  return (
    <div ref={box} className="lines-svg" data-plot={name} data-ready="true" data-series={series.length}>
      <svg width={width} height={height} role="img" aria-label={xTitle}>
        <SvgGrid frame={geo} width={width} height={height} xTicks={xTicks} xTitle={xTitle} />
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
