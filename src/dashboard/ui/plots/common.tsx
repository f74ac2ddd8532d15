/** Helpers shared by the plots. */
import type { ParamColumn, StudyDetailResponse } from '../../api.js';
import { plotText } from '../components/plot.js';
import { formatParam } from '../format.js';

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
