/** One trial: parameters, values, intermediate values, attributes, CLI logs and PBT lineage. */
import { useMemo } from 'react';
import type { Distribution, IntermediateValueDto, JsonValue } from '../../api.js';
import { api, useLoad } from '../client.js';
import { Card, ErrorLine, KeyValues, Loading, StateBadge } from '../components/bits.js';
import { formatDuration, formatJson, formatNumber, formatParam, formatTime } from '../format.js';
import { useReloadOnTick } from '../live.js';
import { LinesSvg, type Series } from '../plots/lines-svg.js';
import { href } from '../route.js';
import type { StudyPageProps } from './study-shell.js';

function describe(d: Distribution | undefined): string {
  if (d === undefined) return '';
  if (d.kind === 'categorical') return `categorical: ${d.choices.map((c) => formatParam(c)).join(', ')}`;
  const extra = [d.log ? 'log' : '', d.step !== null && !(d.kind === 'int' && d.step === 1) ? `step ${formatNumber(d.step)}` : ''].filter((x) => x !== '');
  return `${d.kind} [${formatNumber(d.low)}, ${formatNumber(d.high)}]${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}

/** One line per fold (and one for reports without a fold). */
export function intermediateSeries(ivs: readonly IntermediateValueDto[], objective = 0): Series[] {
  const byFold = new Map<number | null, { x: number[]; y: (number | null)[] }>();
  for (const iv of ivs) {
    let line = byFold.get(iv.fold);
    if (line === undefined) byFold.set(iv.fold, (line = { x: [], y: [] }));
    const v = iv.values[objective];
    line.x.push(iv.step);
    line.y.push(v !== undefined && Number.isFinite(v) ? v : null);
  }
  return [...byFold.entries()].map(([fold, line]) => ({ name: fold === null ? 'value' : `fold ${fold}`, x: line.x, y: line.y }));
}

function JsonBlock({ value }: { readonly value: Readonly<Record<string, JsonValue>> }) {
  const entries = Object.entries(value);
  if (entries.length === 0) return <p className="muted">None.</p>;
  return (
    <table className="kv">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>
              <pre className="json">{formatJson(v)}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TrialPage({ detail, tick, number }: StudyPageProps & { readonly number: number }) {
  const studyId = detail.study.studyId;
  const res = useLoad(`trial:${studyId}:${number}`, () => api.trial(studyId, number));
  useReloadOnTick(tick, res.reload, res.loading);
  const t = res.data?.trial ?? null;
  const series = useMemo(() => (t === null ? [] : intermediateSeries(t.intermediateValues)), [t]);
  if (t === null) return res.error !== null ? <ErrorLine error={res.error} /> : <Loading what={`trial ${number}`} />;
  const dirs = detail.study.directions;
  const paramNames = [...new Set([...Object.keys(t.params), ...Object.keys(t.fixedParams)])];
  return (
    <section className="page trial-page">
      <div className="page-head">
        <h1>
          Trial {t.number} <StateBadge state={t.state} />
        </h1>
        <span>
          {t.number > 0 ? <a href={href.trial(studyId, t.number - 1)}>← #{t.number - 1}</a> : null}{' '}
          {t.number + 1 < detail.study.nTrials ? <a href={href.trial(studyId, t.number + 1)}>#{t.number + 1} →</a> : null}
        </span>
      </div>
      <div className="cards">
        <Card title="Result">
          <KeyValues
            rows={[
              ...dirs.map(
                (d, k) =>
                  [
                    dirs.length === 1 ? `Value (${d})` : `Value ${k} (${d})`,
                    <span key={k} data-testid={`value-${k}`}>
                      {formatNumber(t.values?.[k] ?? null)}
                    </span>,
                  ] as const,
              ),
              ['State', t.state],
              ['Started', formatTime(t.datetimeStart)],
              ['Finished', formatTime(t.datetimeComplete)],
              ['Duration', formatDuration(t.durationMs)],
              // Trials enqueued from an established baseline (src/baselines) carry its 'name@version'.
              ...(typeof t.systemAttrs['dials:baseline'] === 'string' ? [['Baseline', t.systemAttrs['dials:baseline']] as const] : []),
              ...(t.failReason !== null ? [['Fail reason', t.failReason] as const] : []),
              ...(t.retryOf !== null
                ? [
                    [
                      'Retry of',
                      <a key="r" href={href.trial(studyId, t.retryOf)}>
                        #{t.retryOf}
                      </a>,
                    ] as const,
                  ]
                : []),
              ...(t.retries.length > 0
                ? [
                    [
                      'Retried as',
                      <span key="rs">
                        {t.retries.map((r) => (
                          <a key={r} href={href.trial(studyId, r)}>
                            #{r}{' '}
                          </a>
                        ))}
                      </span>,
                    ] as const,
                  ]
                : []),
              ...(t.gridIndex !== null ? [['Grid point', String(t.gridIndex)] as const] : []),
            ]}
          />
        </Card>
        <Card title="Parameters">
          <table className="grid compact params">
            <thead>
              <tr>
                <th>Name</th>
                <th>Value</th>
                <th>Distribution</th>
              </tr>
            </thead>
            <tbody>
              {paramNames.map((k) => (
                <tr key={k}>
                  <td>{k}</td>
                  <td className="num">
                    {formatParam(t.params[k] ?? t.fixedParams[k])}
                    {!(k in t.params) ? ' (fixed, not used yet)' : ''}
                  </td>
                  <td className="muted">{describe(t.distributions[k])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        {t.pbt !== null ? (
          <Card title="PBT lineage">
            <KeyValues
              rows={[
                ['Generation', t.pbt.generation === null ? '' : String(t.pbt.generation)],
                [
                  'Exploited from',
                  t.pbt.parent === null ? (
                    'none (initial member)'
                  ) : (
                    <a key="p" href={href.trial(studyId, t.pbt.parent)}>
                      #{t.pbt.parent}
                    </a>
                  ),
                ],
                [
                  'Ancestors',
                  <span key="a" className="lineage">
                    {t.pbt.ancestors.map((a) => (
                      <a key={a} href={href.trial(studyId, a)}>
                        #{a} →{' '}
                      </a>
                    ))}
                    #{t.number}
                  </span>,
                ],
              ]}
            />
          </Card>
        ) : null}
      </div>
      <section className="card wide">
        <h2>Intermediate values ({t.intermediateValues.length})</h2>
        {t.intermediateValues.length === 0 ? (
          <p className="muted">This trial reported no intermediate values.</p>
        ) : (
          <LinesSvg name="trial-intermediate" series={series} xTitle="Step" />
        )}
      </section>
      <div className="cards">
        <Card title="User attributes">
          <JsonBlock value={t.userAttrs} />
        </Card>
        <Card title="System attributes">
          <JsonBlock value={Object.fromEntries(Object.entries(t.systemAttrs).filter(([k]) => !k.startsWith('dials:log')))} />
        </Card>
      </div>
      {t.logs.length > 0 ? (
        <section className="card wide">
          <h2>Logs</h2>
          {t.logs.map((l) => (
            <div key={l.key} className="log">
              <h3>
                {l.stream}
                {l.truncated ? <span className="muted"> (only the end was kept)</span> : null}
              </h3>
              <pre className="logtext">{l.text}</pre>
            </div>
          ))}
        </section>
      ) : null}
    </section>
  );
}
