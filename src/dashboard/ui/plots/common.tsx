/** Helpers shared by the plots. */
import { type RefObject, useLayoutEffect, useRef, useState } from 'react';
import type { StudyDetailResponse } from '../../api.js';
import { href } from '../route.js';

/** Keeps the pairs whose y is finite (±Infinity and NaN have no place on an axis). */
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

/** A plot's click on a mark: open that trial's page. */
export function openTrial(studyId: number): (trial: number) => void {
  return (n) => window.location.assign(href.trial(studyId, n));
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

/** A container's width, followed as it resizes (at least `minWidth` px). */
export function useBoxWidth(minWidth = 320): { box: RefObject<HTMLDivElement | null>; width: number } {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(900);
  useLayoutEffect(() => {
    const el = box.current;
    if (el === null) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(minWidth, el.clientWidth)));
    ro.observe(el);
    setWidth(Math.max(minWidth, el.clientWidth));
    return () => ro.disconnect();
  }, [minWidth]);
  return { box, width };
}
