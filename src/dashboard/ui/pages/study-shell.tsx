/**
 * Everything under #/studies/:id: loads the study once, listens to its live
 * events and hands pages a `tick` that grows with every change, so each page
 * refetches only what it shows.
 */
import { useCallback, useEffect, useState } from 'react';
import type { StudyDetailResponse } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { loadPlotly } from '../components/plot.js';
import { useLiveEvents, useReloadOnTick, useThrottled } from '../live.js';
import { href, PLOT_TITLES, PLOTS, type PlotName, type Route } from '../route.js';
import { OverviewPage } from './overview.js';
import { PlotPage } from './plot-page.js';
import { TrialPage } from './trial.js';
import { TrialsPage } from './trials.js';

export interface StudyPageProps {
  readonly detail: StudyDetailResponse;
  /** Grows with every live change of the study's trials or attributes. */
  readonly tick: number;
}

type StudyRoute = Extract<Route, { studyId: number }>;

/** Plots that make sense for this study (the rest are listed but greyed). */
export function plotAvailable(detail: StudyDetailResponse, plot: PlotName): boolean {
  const nObj = detail.study.directions.length;
  switch (plot) {
    case 'pareto':
      return nObj >= 2;
    case 'intermediate':
      return detail.intermediate.trials > 0;
    case 'pbt':
      return detail.hasPbt;
    case 'contour':
    case 'interactions':
      return detail.params.length >= 2;
    case 'parallel':
    case 'slice':
    case 'importance':
      return detail.params.length >= 1;
    default:
      return true;
  }
}

export function StudyShell({ route }: { readonly route: StudyRoute }) {
  const { studyId } = route;
  const detail = useLoad(`study:${studyId}`, () => api.study(studyId));
  // Only the 3-objective Pareto front uses the plotting library: fetch it
  // while the study loads, for it alone.
  const needsPlotly = route.page === 'plot' && route.plot === 'pareto' && (detail.data?.study.directions.length ?? 0) >= 3;
  useEffect(() => {
    if (needsPlotly) void loadPlotly();
  }, [needsPlotly]);
  const [tick, setTick] = useState(0);
  const [deleted, setDeleted] = useState(false);
  const refresh = useThrottled(
    useCallback(() => setTick((t) => t + 1), []),
    300,
  );
  // The study's summary follows the tick at a pace that adapts to how long it takes to load.
  useReloadOnTick(tick, detail.reload, detail.loading);
  const connected = useLiveEvents(studyId, (e) => {
    if (e.type === 'deleted' && e.studyId === studyId) setDeleted(true);
    else if ((e.type === 'trials' || e.type === 'study') && e.studyId === studyId) refresh();
  });

  if (detail.data === null) {
    return detail.error !== null ? <ErrorLine error={detail.error} /> : <Loading what="the study" />;
  }
  const d = detail.data;
  const current = route.page === 'plot' ? route.plot : route.page;
  return (
    <div className="study">
      <nav className="crumbs" aria-label="Breadcrumb">
        <a href={href.studies()}>Studies</a>
        <span aria-hidden="true"> / </span>
        <a href={href.overview(studyId)} className="study-name">
          {d.study.studyName}
        </a>
        {route.page === 'trial' ? (
          <>
            <span aria-hidden="true"> / </span>
            <span>Trial {route.number}</span>
          </>
        ) : null}
        <span className={connected ? 'live on' : 'live'} title={connected ? 'Live updates on' : 'Live updates reconnecting'}>
          {connected ? 'live' : 'offline'}
        </span>
      </nav>
      {deleted ? <ErrorLine error="This study was deleted." /> : null}
      <ErrorLine error={detail.error} />
      <nav className="tabs" aria-label="Study pages">
        <a href={href.overview(studyId)} className={current === 'overview' ? 'active' : ''}>
          Overview
        </a>
        <a href={href.trials(studyId)} className={current === 'trials' || current === 'trial' ? 'active' : ''}>
          Trials
        </a>
        {PLOTS.map((p) => (
          <a key={p} href={href.plot(studyId, p)} className={`${current === p ? 'active' : ''} ${plotAvailable(d, p) ? '' : 'unavailable'}`}>
            {PLOT_TITLES[p]}
          </a>
        ))}
      </nav>
      {route.page === 'overview' ? <OverviewPage detail={d} tick={tick} /> : null}
      {route.page === 'trials' ? <TrialsPage detail={d} tick={tick} /> : null}
      {route.page === 'trial' ? <TrialPage detail={d} tick={tick} number={route.number} /> : null}
      {route.page === 'plot' ? <PlotPage detail={d} tick={tick} plot={route.plot} /> : null}
    </div>
  );
}
