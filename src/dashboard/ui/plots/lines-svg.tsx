/**
 * A few line series (a trial's learning curves, one per fold) on the
 * dashboard's own chart. Non-finite values break the line.
 */
import { useCallback, useMemo } from 'react';
import { formatNumber } from '../format.js';
import { Chart, type LegendItem, LinePath, type Scales, valueAxis } from './chart.js';

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
  yTitle,
  height = 320,
}: {
  readonly series: readonly Series[];
  readonly name: string;
  readonly xTitle: string;
  readonly yTitle?: string;
  readonly height?: number;
}) {
  const { x, y } = useMemo(() => {
    const xs: number[] = [];
    const ys: (number | null)[] = [];
    for (const s of series) {
      xs.push(...s.x);
      ys.push(...s.y);
    }
    return { x: valueAxis(xs, xTitle, { pad: 0.02, integer: xs.every((v) => Number.isInteger(v)) }), y: valueAxis(ys, yTitle ?? 'Value') };
  }, [series, xTitle, yTitle]);
  const draw = useCallback(
    ({ sx, sy }: Scales) => {
      const hx: number[] = [];
      const hy: number[] = [];
      const hs: number[] = [];
      const hk: number[] = [];
      const paths = series.map((s, k) => {
        const line = new LinePath();
        s.x.forEach((xv, i) => {
          const yv = s.y[i];
          if (yv === null || yv === undefined || !Number.isFinite(yv) || !Number.isFinite(xv)) {
            line.lift();
            return;
          }
          const px = sx.map(xv);
          const py = sy.map(yv);
          line.to(px, py);
          hx.push(px);
          hy.push(py);
          hs.push(k);
          hk.push(i);
        });
        return (
          <path key={k} className="series line" d={line.d} stroke={COLORS[k % COLORS.length]} strokeWidth={2} data-points={line.vertices}>
            <title>{s.name}</title>
          </path>
        );
      });
      return {
        svg: paths,
        hits: {
          px: hx,
          py: hy,
          label: (i: number) => {
            const s = series[hs[i]!]!;
            return `${s.name}, ${xTitle.toLowerCase()} ${s.x[hk[i]!]}: ${formatNumber(s.y[hk[i]!]!)}`;
          },
        },
      };
    },
    [series, xTitle],
  );
  const legend = useMemo<LegendItem[]>(() => series.map((s, k) => ({ label: s.name, color: COLORS[k % COLORS.length]!, kind: 'line' })), [series]);
  return <Chart name={name} x={x} y={y} draw={draw} height={height} legend={legend} data={{ series: series.length }} ariaLabel={xTitle} />;
}
