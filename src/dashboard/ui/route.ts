/**
 * Hash routes, so the server serves one index.html and any link can be
 * bookmarked:
 *   #/                                 studies
 *   #/studies/:id                      overview
 *   #/studies/:id/trials               trials table
 *   #/studies/:id/trials/:number       one trial
 *   #/studies/:id/plots/:plot          one plot
 */
import { useEffect, useState } from 'react';

export const PLOTS = ['history', 'parallel', 'slice', 'contour', 'importance', 'interactions', 'edf', 'intermediate', 'pareto', 'timeline', 'pbt'] as const;
export type PlotName = (typeof PLOTS)[number];

export const PLOT_TITLES: Record<PlotName, string> = {
  history: 'Optimization history',
  parallel: 'Parallel coordinates',
  slice: 'Slice',
  contour: 'Contour',
  importance: 'Parameter importance',
  interactions: 'Pairwise interactions',
  edf: 'Empirical distribution',
  intermediate: 'Intermediate values',
  pareto: 'Pareto front',
  timeline: 'Timeline',
  pbt: 'PBT schedules',
};

export type Route =
  | { readonly page: 'studies' }
  | { readonly page: 'overview'; readonly studyId: number }
  | { readonly page: 'trials'; readonly studyId: number }
  | { readonly page: 'trial'; readonly studyId: number; readonly number: number }
  | { readonly page: 'plot'; readonly studyId: number; readonly plot: PlotName }
  | { readonly page: 'not-found' };

const INT = /^(0|[1-9]\d{0,14})$/;

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\?.*$/, '');
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return { page: 'studies' };
  if (parts[0] !== 'studies' || parts[1] === undefined || !INT.test(parts[1])) return { page: 'not-found' };
  const studyId = Number(parts[1]);
  if (parts.length === 2) return { page: 'overview', studyId };
  if (parts[2] === 'trials' && parts.length === 3) return { page: 'trials', studyId };
  if (parts[2] === 'trials' && parts.length === 4 && INT.test(parts[3]!)) return { page: 'trial', studyId, number: Number(parts[3]) };
  if (parts[2] === 'plots' && parts.length === 4 && (PLOTS as readonly string[]).includes(parts[3]!))
    return { page: 'plot', studyId, plot: parts[3] as PlotName };
  return { page: 'not-found' };
}

export const href = {
  studies: () => '#/',
  overview: (studyId: number) => `#/studies/${studyId}`,
  trials: (studyId: number) => `#/studies/${studyId}/trials`,
  trial: (studyId: number, number: number) => `#/studies/${studyId}/trials/${number}`,
  plot: (studyId: number, plot: PlotName) => `#/studies/${studyId}/plots/${plot}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
