/**
 * The trials table. Sorting and filtering run on the server; rows are
 * fetched a page at a time as they scroll into view and only the rows in
 * view are in the DOM, so 100k trials scroll smoothly.
 */
import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { TRIAL_STATES } from '../../../trial/state.js';
import { FILTER_OPS, type FilterOp, type SortOrder, type TrialFilter, type TrialRowDto, type TrialSortKey, type TrialState } from '../../api.js';
import { api, errorText } from '../client.js';
import { ErrorLine, StateBadge } from '../components/bits.js';
import { VirtualRows } from '../components/virtual-rows.js';
import { formatDuration, formatNumber, formatParam, formatTime } from '../format.js';
import { useThrottled } from '../live.js';
import { href } from '../route.js';
import type { StudyPageProps } from './study-shell.js';

const PAGE = 200;
const ROW = 28;

interface Column {
  readonly key: string;
  readonly title: string;
  readonly width: number;
  readonly sort: TrialSortKey | null;
  readonly numeric: boolean;
  readonly cell: (t: TrialRowDto) => React.ReactNode;
}

const OP_LABEL: Record<FilterOp, string> = { eq: '=', ne: '≠', lt: '<', lte: '≤', gt: '>', gte: '≥', in: 'in' };

export function TrialsPage({ detail, tick }: StudyPageProps) {
  const studyId = detail.study.studyId;
  const directions = detail.study.directions;
  const [sort, setSort] = useState<TrialSortKey>('number');
  const [order, setOrder] = useState<SortOrder>('asc');
  const [filters, setFilters] = useState<readonly TrialFilter[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [paramNames, setParamNames] = useState<readonly string[]>(detail.params.map((p) => p.name));
  const [error, setError] = useState<string | null>(null);
  const [, setVersion] = useState(0);
  const [jump, setJump] = useState<{ index: number; seq: number } | null>(null);
  const [jumpText, setJumpText] = useState('');
  const pages = useRef(new Map<number, readonly TrialRowDto[]>());
  const inflight = useRef(new Set<number>());
  const redo = useRef(new Set<number>());
  const range = useRef<[number, number]>([0, 0]);
  const generation = useRef(0);

  const queryKey = JSON.stringify([sort, order, filters]);

  const fetchPage = useCallback(
    (page: number, replace: boolean) => {
      if (inflight.current.has(page)) {
        if (replace) redo.current.add(page); // the answer on its way may predate the change
        return;
      }
      if (!replace && pages.current.has(page)) return;
      inflight.current.add(page);
      const gen = generation.current;
      api.trials(studyId, { offset: page * PAGE, limit: PAGE, sort, order, filter: filters }).then(
        (res) => {
          inflight.current.delete(page);
          if (gen !== generation.current) return;
          if (redo.current.delete(page)) fetchPage(page, true);
          pages.current.set(page, res.trials);
          setTotal(res.total);
          setParamNames(res.paramNames);
          setError(null);
          setVersion((v) => v + 1);
        },
        (e: unknown) => {
          inflight.current.delete(page);
          if (gen === generation.current) setError(errorText(e));
        },
      );
    },
    [studyId, sort, order, filters],
  );

  // A new query: drop every cached page and load the first.
  // biome-ignore lint/correctness/useExhaustiveDependencies: queryKey names the query
  useEffect(() => {
    generation.current++;
    pages.current.clear();
    inflight.current.clear();
    redo.current.clear();
    setTotal(null);
    fetchPage(0, true);
  }, [queryKey, fetchPage]);

  const onRange = useCallback(
    (start: number, end: number) => {
      range.current = [start, end];
      if (end <= start) return;
      for (let p = Math.floor(start / PAGE); p <= Math.floor((end - 1) / PAGE); p++) fetchPage(p, false);
    },
    [fetchPage],
  );

  // Live: refetch the pages in view (and the total); pages out of view are dropped.
  const refreshVisible = useThrottled(() => {
    const [start, end] = range.current;
    const first = Math.floor(start / PAGE);
    const last = Math.max(first, Math.floor((Math.max(end, 1) - 1) / PAGE));
    for (const p of [...pages.current.keys()]) if (p < first || p > last) pages.current.delete(p);
    for (let p = first; p <= last; p++) fetchPage(p, true);
  }, 300);
  const firstTick = useRef(tick);
  useEffect(() => {
    if (tick !== firstTick.current) refreshVisible();
  }, [tick, refreshVisible]);

  const columns = useMemo<Column[]>(() => {
    const cols: Column[] = [
      {
        key: 'number',
        title: '#',
        width: 80,
        sort: 'number',
        numeric: true,
        cell: (t) => <a href={href.trial(studyId, t.number)}>{t.number}</a>,
      },
      { key: 'state', title: 'State', width: 104, sort: 'state', numeric: false, cell: (t) => <StateBadge state={t.state} /> },
    ];
    directions.forEach((d, k) => {
      cols.push({
        key: `v${k}`,
        title: directions.length === 1 ? `Value (${d === 'minimize' ? 'min' : 'max'})` : `Value ${k} (${d === 'minimize' ? 'min' : 'max'})`,
        width: 132,
        sort: directions.length === 1 ? 'value' : (`values.${k}` as TrialSortKey),
        numeric: true,
        cell: (t) => formatNumber(t.values?.[k] ?? null),
      });
    });
    cols.push({ key: 'duration', title: 'Duration', width: 100, sort: 'duration', numeric: true, cell: (t) => formatDuration(t.durationMs) });
    for (const name of paramNames) {
      cols.push({ key: `p:${name}`, title: name, width: 128, sort: `params.${name}`, numeric: true, cell: (t) => formatParam(t.params[name]) });
    }
    cols.push({ key: 'start', title: 'Started', width: 176, sort: 'datetimeStart', numeric: false, cell: (t) => formatTime(t.datetimeStart) });
    cols.push({
      key: 'info',
      title: 'Notes',
      width: 240,
      sort: null,
      numeric: false,
      cell: (t) =>
        [
          t.failReason ? `failed: ${t.failReason}` : '',
          t.state === 'PRUNED' && t.lastStep !== null ? `pruned at step ${t.lastStep}` : '',
          t.retryOf !== null ? `retry of #${t.retryOf}` : '',
        ]
          .filter((x) => x !== '')
          .join('; '),
    });
    return cols;
  }, [directions, paramNames, studyId]);

  const width = columns.reduce((a, c) => a + c.width, 0);
  const template = columns.map((c) => `${c.width}px`).join(' ');

  const clickSort = (key: TrialSortKey | null) => {
    if (key === null) return;
    if (key === sort) setOrder(order === 'asc' ? 'desc' : 'asc');
    else {
      setSort(key);
      setOrder('asc');
    }
  };

  const header = columns.map((c) => (
    <div
      key={c.key}
      role="columnheader"
      className={`vcell head ${c.numeric ? 'num' : ''} ${c.sort !== null ? 'sortable' : ''}`}
      aria-sort={c.sort === sort ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}
      title={c.title}
    >
      {c.sort !== null ? (
        <button type="button" className="linklike" onClick={() => clickSort(c.sort)}>
          {c.title}
          {c.sort === sort ? (order === 'asc' ? ' ▲' : ' ▼') : ''}
        </button>
      ) : (
        c.title
      )}
    </div>
  ));

  const renderRow = (i: number) => {
    const row = pages.current.get(Math.floor(i / PAGE))?.[i % PAGE];
    if (row === undefined) return <div className="vcell muted">…</div>;
    return (
      <div className={`vgrid state-row-${row.state.toLowerCase()}`} style={{ gridTemplateColumns: template }} data-trial={row.number}>
        {columns.map((c) => (
          <div key={c.key} role="cell" className={c.numeric ? 'vcell num' : 'vcell'}>
            {c.cell(row)}
          </div>
        ))}
      </div>
    );
  };

  return (
    <section className="page trials-page">
      <div className="page-head">
        <h1>Trials</h1>
        <span className="muted" data-testid="trials-total">
          {total === null ? 'loading…' : `${total.toLocaleString('en')} ${filters.length > 0 ? 'matching' : ''} trials`}
        </span>
      </div>
      <FilterBar directions={directions.length} paramNames={paramNames} filters={filters} onChange={setFilters} />
      <form
        className="jump"
        onSubmit={(e) => {
          e.preventDefault();
          const n = Number(jumpText);
          if (!Number.isSafeInteger(n) || n < 0) return;
          // In number order without filters row n is trial n: scroll there; otherwise open the trial.
          if (sort === 'number' && filters.length === 0) setJump({ index: order === 'asc' ? n : Math.max(0, (total ?? 0) - 1 - n), seq: Date.now() });
          else window.location.assign(href.trial(studyId, n));
        }}
      >
        <input
          value={jumpText}
          onChange={(e) => setJumpText(e.target.value)}
          inputMode="numeric"
          placeholder="trial #"
          aria-label="Go to trial number"
          size={8}
        />
        <button type="submit">Go</button>
      </form>
      <ErrorLine error={error} />
      <VirtualRows
        count={total ?? 0}
        rowHeight={ROW}
        height={Math.min(Math.max(320, Math.min(window.innerHeight - 260, 900)), ((total ?? 0) + 1) * ROW + 18)}
        width={width}
        header={
          <div className="vgrid" style={{ gridTemplateColumns: template }}>
            {header}
          </div>
        }
        renderRow={renderRow}
        onRange={onRange}
        resetKey={queryKey}
        scrollTo={jump}
      />
    </section>
  );
}

function FilterBar({
  directions,
  paramNames,
  filters,
  onChange,
}: {
  readonly directions: number;
  readonly paramNames: readonly string[];
  readonly filters: readonly TrialFilter[];
  readonly onChange: (f: readonly TrialFilter[]) => void;
}) {
  const keys: { key: TrialSortKey; label: string }[] = [
    { key: 'number', label: 'number' },
    ...(directions === 1
      ? [{ key: 'value' as TrialSortKey, label: 'value' }]
      : Array.from({ length: directions }, (_, k) => ({ key: `values.${k}` as TrialSortKey, label: `value ${k}` }))),
    { key: 'duration', label: 'duration (ms)' },
    ...paramNames.map((n) => ({ key: `params.${n}` as TrialSortKey, label: n })),
  ];
  const [key, setKey] = useState<TrialSortKey>(keys[1]?.key ?? 'number');
  const [op, setOp] = useState<FilterOp>('lt');
  const [value, setValue] = useState('');
  const stateFilter = filters.find((f) => f.key === 'state' && f.op === 'in');
  const shownStates = new Set(stateFilter ? stateFilter.value.split('|') : TRIAL_STATES);
  const others = filters.filter((f) => f !== stateFilter);

  const toggleState = (s: TrialState) => {
    const next = new Set(shownStates);
    if (next.has(s)) next.delete(s);
    else next.add(s);
    const list = TRIAL_STATES.filter((x) => next.has(x));
    onChange(list.length === TRIAL_STATES.length ? others : [...others, { key: 'state', op: 'in', value: list.join('|') }]);
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim() === '') return;
    onChange([...filters, { key, op, value: value.trim() }]);
    setValue('');
  };
  return (
    <div className="filters">
      <fieldset className="states">
        <legend className="sr-only">States shown</legend>
        {TRIAL_STATES.map((s) => (
          <label key={s}>
            <input type="checkbox" checked={shownStates.has(s)} onChange={() => toggleState(s)} /> {s.toLowerCase()}
          </label>
        ))}
      </fieldset>
      <form onSubmit={add} className="filter-form">
        <select value={key} onChange={(e) => setKey(e.target.value as TrialSortKey)} aria-label="Filter column">
          {keys.map((k) => (
            <option key={k.key} value={k.key}>
              {k.label}
            </option>
          ))}
        </select>
        <select value={op} onChange={(e) => setOp(e.target.value as FilterOp)} aria-label="Comparison">
          {FILTER_OPS.filter((o) => o !== 'in').map((o) => (
            <option key={o} value={o}>
              {OP_LABEL[o]}
            </option>
          ))}
        </select>
        <input value={value} onChange={(e) => setValue(e.target.value)} placeholder='number, inf, or "choice"' aria-label="Filter value" />
        <button type="submit">Add filter</button>
      </form>
      {others.map((f, i) => (
        <span key={i} className="chip">
          {f.key.replace(/^params\./, '')} {OP_LABEL[f.op]} {f.value}{' '}
          <button type="button" className="linklike" aria-label="Remove filter" onClick={() => onChange(filters.filter((x) => x !== f))}>
            ×
          </button>
        </span>
      ))}
    </div>
  );
}
