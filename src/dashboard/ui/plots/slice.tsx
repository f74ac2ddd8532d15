/**
 * Slice: the objective against each parameter, one panel per parameter,
 * points shaded from the first trials (light) to the latest (dark).
 * Categorical choices are spread a little sideways so equal values stay visible.
 */
import { useCallback, useMemo } from 'react';
import type { ParamColumn, ParamsData } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { formatNumber, formatParam } from '../format.js';
import { useReloadOnTick } from '../live.js';
import { type Axis, Chart, dotPath, paramAxisOf, type Scales, valueAxis } from './chart.js';
import { objectiveLabel, openTrial, SampledNote } from './common.js';
import type { PlotProps } from './props.js';

const MAX_PANELS = 16;
/** Shades of the trial order, first to latest. */
const SHADES = ['#bfdbfe', '#93c5fd', '#60a5fa', '#2563eb', '#1e3a8a'];

export interface SlicePanel {
  readonly col: ParamColumn;
  /** Rows drawn: a parameter value and a finite objective. */
  readonly rows: readonly number[];
}

/** The panels of a slice plot and how many rows have a non-finite objective. */
export function slicePanels(d: ParamsData): { panels: SlicePanel[]; dropped: number } {
  let dropped = 0;
  for (const v of d.values) if (!Number.isFinite(v)) dropped++;
  const panels = d.params.slice(0, MAX_PANELS).map((col) => {
    const rows: number[] = [];
    for (let i = 0; i < d.values.length; i++) if (col.values[i] !== null && col.values[i] !== undefined && Number.isFinite(d.values[i]!)) rows.push(i);
    return { col, rows };
  });
  return { panels, dropped };
}

/** A deterministic offset in [−0.15, 0.15] for categorical slots. */
function jitter(i: number): number {
  const h = Math.imul(i + 1, 2654435761) >>> 0;
  return ((h % 1000) / 1000 - 0.5) * 0.3;
}

function SlicePanelChart({ d, panel, y, studyId }: { readonly d: ParamsData; readonly panel: SlicePanel; readonly y: Axis; readonly studyId: number }) {
  const { col, rows } = panel;
  const x = useMemo(() => paramAxisOf(col), [col]);
  const rank = useMemo(() => {
    // Shade by the trial's position among the drawn rows (numbers ascend with rows).
    const r = new Map<number, number>();
    rows.forEach((i, k) => {
      r.set(i, Math.min(SHADES.length - 1, Math.floor((k / Math.max(1, rows.length)) * SHADES.length)));
    });
    return r;
  }, [rows]);
  const draw = useCallback(
    ({ sx, sy }: Scales) => {
      const px = new Float64Array(rows.length);
      const py = new Float64Array(rows.length);
      const byShade: { x: number[]; y: number[] }[] = SHADES.map(() => ({ x: [], y: [] }));
      rows.forEach((i, k) => {
        const v = col.values[i]!;
        px[k] = sx.map(col.kind === 'categorical' ? v + jitter(d.numbers[i]!) : v);
        py[k] = sy.map(d.values[i]!);
        const s = byShade[rank.get(i)!]!;
        s.x.push(px[k]!);
        s.y.push(py[k]!);
      });
      return {
        svg: byShade.map((s, k) => <path key={k} className="dots" d={dotPath(s.x, s.y)} stroke={SHADES[k]} strokeWidth={4.5} />),
        hits: {
          px,
          py,
          label: (k: number) => {
            const i = rows[k]!;
            const v = col.values[i]!;
            return `trial ${d.numbers[i]}: ${col.name} = ${col.kind === 'categorical' ? formatParam(col.choices[v]) : formatNumber(v)}, value ${formatNumber(d.values[i]!)}`;
          },
          trial: (k: number) => d.numbers[rows[k]!]!,
        },
      };
    },
    [d, col, rows, rank],
  );
  return (
    <Chart
      name="slice-panel"
      x={x}
      y={y}
      draw={draw}
      height={280}
      minWidth={240}
      margin={{ l: 58, r: 10, t: 8, b: 40 }}
      data={{ param: col.name, points: rows.length }}
      onTrial={openTrial(studyId)}
      ariaLabel={`Objective against ${col.name}`}
    />
  );
}

export function SlicePlot({ detail, tick, objective }: PlotProps) {
  const studyId = detail.study.studyId;
  const res = useLoad(`params:${studyId}:${objective}:slice`, () => api.plot(studyId, 'params', { objective, maxPoints: 1500 }));
  useReloadOnTick(tick, res.reload, res.loading, 1000);
  const model = useMemo(() => (res.data === null ? null : slicePanels(res.data)), [res.data]);
  const yTitle = objectiveLabel(detail, objective);
  const y = useMemo(() => valueAxis(res.data?.values ?? [], yTitle), [res.data, yTitle]);
  if (res.data === null || model === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what="parameters" />;
  return (
    <>
      <div className="chart-legend">
        <span className="legend-item">
          Shade: <span className="shade-scale" aria-hidden="true" /> first trials → latest trials; click a point to open its trial.
        </span>
      </div>
      <div className="panels" data-plot="slice" data-ready="true" data-panels={model.panels.length}>
        {model.panels.map((p) => (
          <SlicePanelChart key={p.col.name} d={res.data!} panel={p} y={y} studyId={studyId} />
        ))}
      </div>
      <SampledNote total={res.data.total} shown={res.data.values.length} sampled={res.data.sampled} dropped={model.dropped} what="complete trials" />
      {res.data.params.length > MAX_PANELS ? (
        <p className="muted">
          The first {MAX_PANELS} of {res.data.params.length} parameters are shown.
        </p>
      ) : null}
    </>
  );
}
