/**
 * Contour of the objective over a chosen pair of parameters: the surface is
 * interpolated from the trials (inverse-distance weighting on a 48×48 grid,
 * in log space for log parameters), painted as a smoothly scaled image with
 * iso-lines (marching squares) and the trials on top. No plotting library.
 */
import { useCallback, useId, useMemo, useState } from 'react';
import type { ParamColumn, ParamsData, StudyDirection } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { formatNumber, formatParam } from '../format.js';
import { useReloadOnTick } from '../live.js';
import { Chart, dotPath, paramAxisOf, type Scales, viridis, viridisRgb } from './chart.js';
import { niceTicks, openTrial, SampledNote } from './common.js';
import type { PlotProps } from './props.js';

const GRID = 48;

function toUnit(col: ParamColumn, v: number): number {
  if (col.kind === 'categorical') return col.choices.length <= 1 ? 0.5 : v / (col.choices.length - 1);
  if (col.log) return (Math.log(v) - Math.log(col.low)) / (Math.log(col.high) - Math.log(col.low) || 1);
  return (v - col.low) / (col.high - col.low || 1);
}

function gridOf(col: ParamColumn): number[] {
  if (col.kind === 'categorical') return col.choices.map((_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < GRID; i++) {
    const u = i / (GRID - 1);
    out.push(col.log ? Math.exp(Math.log(col.low) + u * (Math.log(col.high) - Math.log(col.low))) : col.low + u * (col.high - col.low));
  }
  return out;
}

export interface ContourModel {
  readonly xc: ParamColumn;
  readonly yc: ParamColumn;
  /** Grid values along x and y (uniform on each axis' scale). */
  readonly gx: readonly number[];
  readonly gy: readonly number[];
  /** Interpolated objective, row j (y) major: z[j * gx.length + i]; NaN where nothing is known. */
  readonly z: Float64Array;
  readonly zmin: number;
  readonly zmax: number;
  /** Rows of the trials drawn (both parameters set, finite objective). */
  readonly rows: readonly number[];
  readonly direction: StudyDirection;
}

export function contourModel(d: ParamsData, xName: string, yName: string): ContourModel | null {
  const xc = d.params.find((p) => p.name === xName);
  const yc = d.params.find((p) => p.name === yName);
  if (xc === undefined || yc === undefined) return null;
  const rows: number[] = [];
  const ux: number[] = [];
  const uy: number[] = [];
  const pz: number[] = [];
  for (let i = 0; i < d.values.length; i++) {
    const x = xc.values[i];
    const y = yc.values[i];
    const v = d.values[i]!;
    if (x === null || x === undefined || y === null || y === undefined || !Number.isFinite(v)) continue;
    rows.push(i);
    ux.push(toUnit(xc, x));
    uy.push(toUnit(yc, y));
    pz.push(v);
  }
  const gx = gridOf(xc);
  const gy = gridOf(yc);
  const z = new Float64Array(gx.length * gy.length).fill(Number.NaN);
  let zmin = Number.POSITIVE_INFINITY;
  let zmax = Number.NEGATIVE_INFINITY;
  gy.forEach((yv, j) => {
    const uyv = toUnit(yc, yv);
    gx.forEach((xv, i) => {
      const uxv = toUnit(xc, xv);
      let num = 0;
      let den = 0;
      let exact = Number.NaN;
      for (let k = 0; k < pz.length; k++) {
        const dx = ux[k]! - uxv;
        const dy = uy[k]! - uyv;
        const d2 = dx * dx + dy * dy;
        if (d2 < 1e-12) {
          exact = pz[k]!;
          break;
        }
        const w = 1 / (d2 * d2); // power 4 in distance: local, yet smooth
        num += w * pz[k]!;
        den += w;
      }
      const v = Number.isNaN(exact) ? (den > 0 ? num / den : Number.NaN) : exact;
      z[j * gx.length + i] = v;
      if (v < zmin) zmin = v;
      if (v > zmax) zmax = v;
    });
  });
  if (!(zmax >= zmin)) [zmin, zmax] = [0, 1];
  return { xc, yc, gx, gy, z, zmin, zmax, rows, direction: d.direction };
}

/** Colour position of a value: 1 (yellow) is the better end. */
function shade(m: ContourModel, v: number): number {
  const t = m.zmax > m.zmin ? (v - m.zmin) / (m.zmax - m.zmin) : 0.5;
  return m.direction === 'minimize' ? 1 - t : t;
}

/** Pixels per side of the surface image. */
const IMAGE = 192;

/**
 * The surface as a PNG data URL: the grid resampled to IMAGE² pixels,
 * bilinear along numeric axes and in blocks along categorical ones (values
 * between two choices mean nothing). Each grid point sits at the centre of
 * its cell, so the image reaches half a step beyond the first and last.
 */
function surfaceImage(m: ContourModel): string {
  const nx = m.gx.length;
  const ny = m.gy.length;
  const canvas = document.createElement('canvas');
  canvas.width = IMAGE;
  canvas.height = IMAGE;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return '';
  const img = ctx.createImageData(IMAGE, IMAGE);
  const coord = (p: number, n: number, categorical: boolean): [number, number, number] => {
    const g = Math.min(n - 1, Math.max(0, ((p + 0.5) / IMAGE) * n - 0.5));
    if (categorical) {
      const k = Math.min(n - 1, Math.floor(((p + 0.5) / IMAGE) * n));
      return [k, k, 0];
    }
    const k = Math.min(n - 2, Math.floor(g));
    return n < 2 ? [0, 0, 0] : [k, k + 1, g - k];
  };
  const xs = Array.from({ length: IMAGE }, (_, p) => coord(p, nx, m.xc.kind === 'categorical'));
  for (let r = 0; r < IMAGE; r++) {
    const [j0, j1, fy] = coord(IMAGE - 1 - r, ny, m.yc.kind === 'categorical'); // canvas rows run top to bottom, y upwards
    for (let c = 0; c < IMAGE; c++) {
      const [i0, i1, fx] = xs[c]!;
      const z = (i: number, j: number) => m.z[j * nx + i]!;
      const v = (z(i0, j0) * (1 - fx) + z(i1, j0) * fx) * (1 - fy) + (z(i0, j1) * (1 - fx) + z(i1, j1) * fx) * fy;
      const o = (r * IMAGE + c) * 4;
      const [red, green, blue] = viridisRgb(shade(m, v));
      img.data[o] = red;
      img.data[o + 1] = green;
      img.data[o + 2] = blue;
      img.data[o + 3] = Number.isNaN(v) ? 0 : 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas.toDataURL('image/png');
}

/** Iso-lines by marching squares: one path per level, a sub-path per cell crossed. */
export function isoLines(m: ContourModel, level: number, px: readonly number[], py: readonly number[]): string {
  const nx = m.gx.length;
  const at = (i: number, j: number) => m.z[j * nx + i]!;
  const parts: string[] = [];
  for (let j = 0; j + 1 < m.gy.length; j++)
    for (let i = 0; i + 1 < nx; i++) {
      // Corners counter-clockwise from bottom-left; edges between consecutive corners.
      const cx = [px[i]!, px[i + 1]!, px[i + 1]!, px[i]!];
      const cy = [py[j]!, py[j]!, py[j + 1]!, py[j + 1]!];
      const cz = [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)];
      if (cz.some((v) => Number.isNaN(v))) continue;
      const cross: [number, number][] = [];
      for (let e = 0; e < 4; e++) {
        const a = cz[e]!;
        const b = cz[(e + 1) % 4]!;
        if (a < level === b < level) continue;
        const t = (level - a) / (b - a);
        cross.push([cx[e]! + t * (cx[(e + 1) % 4]! - cx[e]!), cy[e]! + t * (cy[(e + 1) % 4]! - cy[e]!)]);
      }
      for (let k = 0; k + 1 < cross.length; k += 2) {
        const [a, b] = [cross[k]!, cross[k + 1]!];
        parts.push(`M${a[0].toFixed(1)} ${a[1].toFixed(1)}L${b[0].toFixed(1)} ${b[1].toFixed(1)}`);
      }
    }
  return parts.join('');
}

function ContourChart({ d, m, studyId }: { readonly d: ParamsData; readonly m: ContourModel; readonly studyId: number }) {
  const gradientId = useId();
  const x = useMemo(() => paramAxisOf(m.xc), [m]);
  const y = useMemo(() => paramAxisOf(m.yc), [m]);
  const image = useMemo(() => surfaceImage(m), [m]);
  // Iso-lines only between numeric axes: between two choices they would mean nothing.
  const levels = useMemo(
    () => (m.xc.kind === 'categorical' || m.yc.kind === 'categorical' ? [] : niceTicks(m.zmin, m.zmax, 8).filter((v) => v > m.zmin && v < m.zmax)),
    [m],
  );
  const draw = useCallback(
    ({ sx, sy, width, height, m: margin }: Scales) => {
      const px = m.gx.map((v) => sx.map(v));
      const py = m.gy.map((v) => sy.map(v));
      // Each pixel is centred on its grid point: the image reaches half a step beyond the ends.
      const hx = px.length > 1 ? (px[1]! - px[0]!) / 2 : 20;
      const hy = py.length > 1 ? (py[1]! - py[0]!) / 2 : -20;
      const dx = new Float64Array(m.rows.length);
      const dy = new Float64Array(m.rows.length);
      const jitter = (col: ParamColumn, i: number) => (col.kind === 'categorical' ? ((((i * 2654435761) >>> 0) % 1000) / 1000 - 0.5) * 0.3 : 0);
      m.rows.forEach((i, k) => {
        dx[k] = sx.map(m.xc.values[i]! + jitter(m.xc, i));
        dy[k] = sy.map(m.yc.values[i]! + jitter(m.yc, i + 7));
      });
      const top = margin.t;
      const bottom = height - margin.b;
      const barX = width - margin.r + 14;
      const show = (col: ParamColumn, v: number) => (col.kind === 'categorical' ? formatParam(col.choices[v]) : formatNumber(v));
      return {
        svg: (
          <>
            <image
              className="surface"
              href={image}
              x={Math.min(px[0]! - hx, px[px.length - 1]! + hx)}
              y={Math.min(py[0]! - hy, py[py.length - 1]! + hy)}
              width={Math.abs(px[px.length - 1]! - px[0]! + 2 * hx)}
              height={Math.abs(py[py.length - 1]! - py[0]! + 2 * hy)}
              preserveAspectRatio="none"
              data-grid={`${m.gx.length}x${m.gy.length}`}
            />
            {levels.map((level) => (
              <path key={level} className="iso line" d={isoLines(m, level, px, py)} stroke="#fff" strokeOpacity={0.55} strokeWidth={1} data-level={level}>
                <title>{formatNumber(level)}</title>
              </path>
            ))}
            <path className="dots trials" d={dotPath(dx, dy)} stroke="#111827" strokeWidth={6} />
            <path className="dots trials-core" d={dotPath(dx, dy)} stroke="#fff" strokeWidth={3} />
          </>
        ),
        unclipped: (
          <g className="colorbar">
            <defs>
              <linearGradient id={gradientId} x1="0" y1="1" x2="0" y2="0">
                {Array.from({ length: 9 }, (_, k) => (
                  <stop key={k} offset={k / 8} stopColor={viridis(shade(m, m.zmin + (k / 8) * (m.zmax - m.zmin)))} />
                ))}
              </linearGradient>
            </defs>
            <rect x={barX} y={top} width={12} height={bottom - top} fill={`url(#${gradientId})`} />
            <text x={barX + 16} y={top} dy="0.7em">
              {formatNumber(m.zmax, 4)}
            </text>
            <text x={barX + 16} y={bottom}>
              {formatNumber(m.zmin, 4)}
            </text>
          </g>
        ),
        hits: {
          px: dx,
          py: dy,
          label: (k: number) => {
            const i = m.rows[k]!;
            return `trial ${d.numbers[i]}: ${m.xc.name} = ${show(m.xc, m.xc.values[i]!)}, ${m.yc.name} = ${show(m.yc, m.yc.values[i]!)}, value ${formatNumber(d.values[i]!)}`;
          },
          trial: (k: number) => d.numbers[m.rows[k]!]!,
        },
      };
    },
    [d, m, image, levels, gradientId],
  );
  return (
    <Chart
      name="contour"
      x={x}
      y={y}
      draw={draw}
      height={520}
      margin={{ l: 80, r: 90 }}
      data={{ points: m.rows.length, levels: levels.length }}
      onTrial={openTrial(studyId)}
      ariaLabel={`Objective over ${m.xc.name} and ${m.yc.name}`}
    />
  );
}

export function ContourPlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  const names = detail.params.map((p) => p.name);
  const [xName, setX] = useState(names[0] ?? '');
  const [yName, setY] = useState(names[1] ?? names[0] ?? '');
  const res = useLoad(`contour:${studyId}:${objective}:${JSON.stringify([xName, yName])}`, () =>
    api.plot(studyId, 'params', { objective, maxPoints: 1000, params: xName === yName ? [xName] : [xName, yName] }),
  );
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const model = useMemo(() => (res.data === null ? null : contourModel(res.data, xName, yName)), [res.data, xName, yName]);
  const pick = (label: string, value: string, set: (v: string) => void) => (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => set(e.target.value)} aria-label={`${label} parameter`}>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <>
      <div className="controls">
        {pick('x', xName, setX)} {pick('y', yName, setY)}
      </div>
      {xName === yName ? <p className="muted">Pick two different parameters.</p> : null}
      {res.data === null ? (
        res.error !== null ? (
          <ErrorLine error={res.error} />
        ) : (
          <Loading what="parameters" />
        )
      ) : model === null || xName === yName ? null : (
        <>
          <ContourChart d={res.data} m={model} studyId={studyId} />
          <p className="muted plot-note">
            Colour: the objective interpolated between trials (yellow is better); white lines join equal values; dots are trials.
          </p>
          <SampledNote total={res.data.total} shown={res.data.values.length} sampled={res.data.sampled} what="complete trials" />
        </>
      )}
    </>
  );
}
