/** The list of studies: state counts, best value, last activity; live. */
import { useState } from 'react';
import { TRIAL_STATES } from '../../../trial/state.js';
import type { StudySummaryDto } from '../../api.js';
import { api, useLoad } from '../client.js';
import { ErrorLine, Loading } from '../components/bits.js';
import { formatAgo, formatNumber, formatTime } from '../format.js';
import { useLiveEvents } from '../live.js';
import { href } from '../route.js';

export function StudiesPage() {
  const list = useLoad('studies', () => api.studies());
  const [live, setLive] = useState<readonly StudySummaryDto[] | null>(null);
  const [search, setSearch] = useState('');
  useLiveEvents(undefined, (e) => {
    if (e.type === 'studies') setLive(e.studies);
  });
  const studies = live ?? list.data?.studies ?? null;
  if (studies === null) return list.error !== null ? <ErrorLine error={list.error} /> : <Loading what="studies" />;
  const needle = search.trim().toLowerCase();
  const shown = needle === '' ? studies : studies.filter((s) => s.studyName.toLowerCase().includes(needle));
  const now = Date.now();
  return (
    <section className="page studies-page">
      <div className="page-head">
        <h1>Studies</h1>
        <input type="search" placeholder="Filter by name" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Filter studies by name" />
      </div>
      {studies.length === 0 ? <p className="muted">No studies in this storage yet.</p> : null}
      <table className="grid studies">
        <thead>
          <tr>
            <th>Study</th>
            <th>Direction</th>
            <th className="num">Trials</th>
            {TRIAL_STATES.map((s) => (
              <th key={s} className="num">
                {s.toLowerCase()}
              </th>
            ))}
            <th className="num">Best value</th>
            <th>Last activity</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((s) => (
            <tr key={s.studyId} data-study-id={s.studyId}>
              <td>
                <a href={href.overview(s.studyId)} className="study-link">
                  {s.studyName}
                </a>
              </td>
              <td>{s.directions.join(', ')}</td>
              <td className="num">{s.nTrials}</td>
              {TRIAL_STATES.map((st) => (
                <td key={st} className={`num count-${st.toLowerCase()}`}>
                  {s.stateCounts[st] ?? 0}
                </td>
              ))}
              <td className="num best">
                {s.bestTrialNumber !== null ? (
                  <a href={href.trial(s.studyId, s.bestTrialNumber)}>{formatNumber(s.bestValue)}</a>
                ) : s.directions.length > 1 ? (
                  'Pareto'
                ) : (
                  ''
                )}
              </td>
              <td title={formatTime(s.lastActivity)}>{formatAgo(s.lastActivity, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
