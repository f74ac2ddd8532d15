/** A study at a glance: counts, best trials, durations, sampler, history, notes and downloads. */
import { useState } from 'react';
import { TRIAL_STATES } from '../../../trial/state.js';
import type { BaselineImprovementDto } from '../../api.js';
import { api } from '../client.js';
import { Card, KeyValues } from '../components/bits.js';
import { formatAgo, formatDuration, formatJsonInline, formatNumber, formatParam, formatTime, formatValues } from '../format.js';
import { HistoryPlot } from '../plots/history.js';
import { href } from '../route.js';
import { NotesCard } from './notes.js';
import type { StudyPageProps } from './study-shell.js';

/** "Best 0.9712 (trial 41) vs baseline adam-default@1 0.9523 (trial 0): +0.0189, 2.0% better". */
export function baselineText(imp: BaselineImprovementDto): string {
  if (imp.best.number === imp.baseline.number) {
    return `The best trial is the baseline ${imp.baseline.ref}: ${formatNumber(imp.baseline.value)} (trial ${imp.baseline.number}).`;
  }
  const pct = imp.relative === null ? '' : `, ${(imp.relative * 100).toFixed(1)}% better`;
  return `Best ${formatNumber(imp.best.value)} (trial ${imp.best.number}) vs baseline ${imp.baseline.ref} ${formatNumber(imp.baseline.value)} (trial ${imp.baseline.number}): +${formatNumber(imp.absolute)}${pct}`;
}

function BaselineLine({ imp }: { readonly imp: BaselineImprovementDto | null }) {
  if (imp === null) return null;
  return (
    <p className="baseline" data-testid="baseline-improvement">
      {baselineText(imp)}
    </p>
  );
}

export function OverviewPage({ detail, tick }: StudyPageProps) {
  const s = detail.study;
  const studyId = s.studyId;
  const [objective, setObjective] = useState(0);
  const best = detail.bestTrials;
  const single = s.directions.length === 1;
  return (
    <section className="page overview">
      <h1 className="study-title">{s.studyName}</h1>
      <div className="cards">
        <Card title="Trials">
          <KeyValues
            rows={[
              [
                'Total',
                <span key="n" data-testid="n-trials">
                  {s.nTrials}
                </span>,
              ],
              ...TRIAL_STATES.map(
                (st) =>
                  [
                    st.toLowerCase(),
                    <span key={st} data-testid={`count-${st}`}>
                      {s.stateCounts[st] ?? 0}
                    </span>,
                  ] as const,
              ),
              ['Created', formatTime(s.createdAt)],
              ['Last activity', `${formatAgo(s.lastActivity)} (${formatTime(s.lastActivity)})`],
            ]}
          />
        </Card>
        <Card title={single ? 'Best trial' : `Pareto front (${best.length}${detail.bestTrialsTruncated ? '+' : ''} trials)`}>
          {best.length === 0 ? <p className="muted">No complete trial yet.</p> : null}
          {single && best[0] !== undefined ? (
            <KeyValues
              rows={[
                ['Direction', s.directions[0]],
                [
                  'Value',
                  <span key="v" data-testid="best-value">
                    {formatNumber(best[0].values?.[0] ?? s.bestValue)}
                  </span>,
                ],
                [
                  'Trial',
                  <a key="t" href={href.trial(studyId, best[0].number)}>
                    #{best[0].number}
                  </a>,
                ],
                ...Object.entries(best[0].params).map(([k, v]) => [k, formatParam(v)] as const),
              ]}
            />
          ) : null}
          <BaselineLine imp={detail.baselineImprovement ?? null} />
          {!single && best.length > 0 ? (
            <div className="scroll-y">
              <table className="grid compact">
                <thead>
                  <tr>
                    <th>Trial</th>
                    {s.directions.map((d, i) => (
                      <th key={i} className="num">
                        {`#${i} ${d}`}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {best.slice(0, 200).map((t) => (
                    <tr key={t.number}>
                      <td>
                        <a href={href.trial(studyId, t.number)}>#{t.number}</a>
                      </td>
                      {(t.values ?? []).map((v, i) => (
                        <td key={i} className="num">
                          {formatNumber(v)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </Card>
        <Card title="Sampler and durations">
          <KeyValues
            rows={[
              [
                'Sampler',
                <span key="s" data-testid="sampler">
                  {detail.sampler?.name ?? 'not recorded'}
                </span>,
              ],
              ...(detail.sampler?.reason ? [['Why', detail.sampler.reason] as const] : []),
              ['Finished with times', String(detail.durations?.count ?? 0)],
              ['Median duration', formatDuration(detail.durations?.medianMs)],
              ['p95 duration', formatDuration(detail.durations?.p95Ms)],
              ['Longest', formatDuration(detail.durations?.maxMs)],
              ['Total compute', formatDuration(detail.durations?.totalMs)],
            ]}
          />
        </Card>
        <Card title="Download">
          <p>All trials with parameters, values and attributes.</p>
          <p className="downloads">
            <a href={api.exportUrl(studyId, 'csv')} download data-testid="download-csv">
              CSV
            </a>
            <a href={api.exportUrl(studyId, 'json')} download data-testid="download-json">
              JSON
            </a>
          </p>
          {Object.keys(detail.userAttrs).length > 0 ? (
            <>
              <h3>Study attributes</h3>
              <KeyValues rows={Object.entries(detail.userAttrs).map(([k, v]) => [k, formatJsonInline(v)] as const)} />
            </>
          ) : null}
        </Card>
      </div>
      <section className="card wide">
        <div className="card-head">
          <h2>Optimization history</h2>
          {!single ? (
            <label>
              Objective{' '}
              <select value={objective} onChange={(e) => setObjective(Number(e.target.value))}>
                {s.directions.map((d, i) => (
                  <option key={i} value={i}>
                    {`${i} (${d})`}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
        </div>
        <HistoryPlot detail={detail} tick={tick} objective={objective} light />
        {best[0] !== undefined && single ? (
          <p className="muted">
            Best value {formatValues(best[0].values)} at trial #{best[0].number}.
          </p>
        ) : null}
      </section>
      <NotesCard studyId={studyId} tick={tick} />
    </section>
  );
}
