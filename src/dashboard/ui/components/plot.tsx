/**
 * A Plotly figure. Plotly (a large chunk) is loaded on first use. Every
 * user string that reaches a figure must go through `plotText`: Plotly
 * renders a subset of HTML in labels, so names are entity-escaped first.
 */
import { useEffect, useRef } from 'react';

export type Trace = Record<string, unknown>;
export type FigureLayout = Record<string, unknown>;

type PlotlyModule = typeof import('plotly.js-dist-min');
let plotly: Promise<PlotlyModule> | null = null;

export function loadPlotly(): Promise<PlotlyModule> {
  plotly ??= import('plotly.js-dist-min').then((m) => ((m as unknown as { default?: PlotlyModule }).default ?? m) as PlotlyModule);
  return plotly;
}

/** Escapes a user string for a Plotly label, tick or hover text. */
export function plotText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const BASE_LAYOUT: FigureLayout = {
  margin: { l: 64, r: 24, t: 32, b: 56 },
  paper_bgcolor: 'rgba(0,0,0,0)',
  plot_bgcolor: '#fff',
  font: { family: 'system-ui, sans-serif', size: 12, color: '#1f2937' },
  hoverlabel: { namelength: -1 },
  autosize: true,
};

const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['sendDataToCloud', 'select2d', 'lasso2d'] };

export interface PlotProps {
  readonly data: readonly Trace[];
  readonly layout?: FigureLayout;
  readonly height?: number;
  /** Names the figure for tests: data-plot="…". */
  readonly name: string;
  /** Called with the trial number of a clicked point, when the trace carries them as `customdata`. */
  readonly onTrialClick?: (trialNumber: number) => void;
}

type ClickEvent = { points?: { customdata?: unknown }[] };

export function Plot({ data, layout, height = 420, name, onTrialClick }: PlotProps) {
  const ref = useRef<HTMLDivElement>(null);
  const clickRef = useRef(onTrialClick);
  clickRef.current = onTrialClick;
  useEffect(() => {
    let live = true;
    const el = ref.current;
    if (el === null) return;
    el.dataset.ready = 'false';
    loadPlotly().then(
      async (P) => {
        if (!live) return;
        await P.react(el, data as never, { ...BASE_LAYOUT, height, ...layout } as never, CONFIG as never);
        if (el.dataset.clicks !== 'on') {
          el.dataset.clicks = 'on';
          (el as unknown as { on(ev: string, fn: (e: ClickEvent) => void): void }).on('plotly_click', (e) => {
            const n = e.points?.[0]?.customdata;
            if (typeof n === 'number' && clickRef.current) clickRef.current(n);
          });
        }
        if (live) el.dataset.ready = 'true';
      },
      (e: unknown) => {
        el.textContent = `The plotting library failed to load: ${String(e)}`;
      },
    );
    return () => {
      live = false;
    };
  }, [data, layout, height]);
  useEffect(() => {
    const el = ref.current;
    return () => {
      if (el !== null) void loadPlotly().then((P) => P.purge(el));
    };
  }, []);
  return <div ref={ref} className="plot" data-plot={name} style={{ minHeight: height }} />;
}
