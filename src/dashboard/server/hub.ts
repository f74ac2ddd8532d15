/**
 * The dashboard's view of the storage: the list of studies and, for each
 * study someone looked at, its trials as slim rows. It follows the storage
 * through one change cursor: a refresh asks what changed since the cursor and
 * re-reads only those trials, so every API call costs a constant number of
 * queries whatever the size of the study, and a reader never holds a
 * transaction open (it never makes a worker wait).
 */

import type { Distribution } from '../../space/distributions.js';
import type { Storage, StudySummary } from '../../storage/storage.js';
import { MAX_CHANGES_LIMIT } from '../../storage/storage.js';
import { TrialColumns } from './columns.js';
import type { SlimTrial, TrialLoader } from './trial-loader.js';

function learnSpace(space: Map<string, Distribution>, t: SlimTrial): void {
  for (const name in t.distributions) space.set(name, t.distributions[name] as Distribution);
}

export interface StudyTrials {
  /** By trial number. */
  readonly trials: SlimTrial[];
  /** The same rows as typed-array columns, for scans. */
  readonly cols: TrialColumns;
  /** Every parameter seen, with its latest distribution (kept up to date as trials are read). */
  readonly space: Map<string, Distribution>;
  /** Increases whenever a trial changed; derived data is cached per version. */
  version: number;
}

export interface RefreshBatch {
  readonly from: string;
  readonly to: string;
  /** Trial numbers changed, by study. */
  readonly trials: ReadonlyMap<number, readonly number[]>;
  readonly truncated: boolean;
  readonly studiesChanged: boolean;
  readonly deletedStudyIds: readonly number[];
}

export class DataHub {
  private cursor: string | null = null;
  private studyList: StudySummary[] = [];
  private readonly loaded = new Map<number, Promise<StudyTrials>>();
  private inflight: Promise<void> | null = null;
  private lastRefresh = 0;
  private readonly listeners = new Set<(b: RefreshBatch) => void>();
  private closed = false;

  constructor(
    readonly storage: Storage,
    readonly loader: TrialLoader,
  ) {}

  get currentCursor(): string {
    return this.cursor ?? '0';
  }

  /** Called after every refresh that saw changes. */
  subscribe(fn: (b: RefreshBatch) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Brings the studies and loaded trials up to date. Single-flight: callers
   * arriving during a refresh share it (so a burst of requests costs one
   * change query); `maxAgeMs` lets a poller skip a refresh that just ran.
   */
  refresh(maxAgeMs = 0): Promise<void> {
    if (this.inflight) return this.inflight;
    if (maxAgeMs > 0 && this.cursor !== null && Date.now() - this.lastRefresh < maxAgeMs) return Promise.resolve();
    this.inflight = this.doRefresh().finally(() => {
      this.inflight = null;
      this.lastRefresh = Date.now();
    });
    return this.inflight;
  }

  private async doRefresh(): Promise<void> {
    if (this.cursor === null) {
      // Take the cursor before reading, so nothing written meanwhile is missed.
      const start = await this.storage.getChanges(null);
      this.studyList = await this.storage.listStudies();
      this.cursor = start.cursor;
      return;
    }
    const from = this.cursor;
    const cs = await this.storage.getChanges(from, { limit: MAX_CHANGES_LIMIT });
    const byStudy = new Map<number, number[]>();
    for (const t of cs.trials) {
      let a = byStudy.get(t.studyId);
      if (!a) {
        a = [];
        byStudy.set(t.studyId, a);
      }
      a.push(t.number);
    }
    const studiesChanged = cs.studyIds.length > 0 || cs.deletedStudyIds.length > 0;
    // The list (names, attributes, counts) is re-read only for a change the trial cache cannot account for:
    // a study created, deleted or given attributes, or trials of a study not loaded here (loaded studies
    // count their trials from the cache).
    const listStale = cs.truncated || cs.deletedStudyIds.length > 0 || cs.recordStudyIds.length > 0 || cs.studyIds.some((id) => !this.loaded.has(id));
    if (listStale) this.studyList = await this.storage.listStudies();
    for (const id of cs.deletedStudyIds) this.loaded.delete(id);
    if (cs.truncated) {
      for (const id of cs.studyIds) this.loaded.delete(id);
    } else {
      for (const [studyId, numbers] of byStudy) {
        const p = this.loaded.get(studyId);
        if (!p) continue;
        const st = await p;
        const fresh = await this.loader.load(studyId, [...new Set(numbers)]);
        for (const t of fresh) {
          st.cols.set(t, st.trials[t.number]);
          st.trials[t.number] = t;
          learnSpace(st.space, t);
        }
        st.version++;
      }
    }
    this.cursor = cs.cursor;
    if (cs.trials.length > 0 || studiesChanged || cs.truncated) {
      const batch: RefreshBatch = { from, to: cs.cursor, trials: byStudy, truncated: cs.truncated, studiesChanged, deletedStudyIds: cs.deletedStudyIds };
      for (const fn of this.listeners) {
        try {
          fn(batch);
        } catch {
          // A listener's failure (a closed stream) never stops the others.
        }
      }
    }
  }

  /**
   * Follows the storage in the background: a refresh every `liveMs` while a
   * listener (a live page) is subscribed, else about every `idleMs`, so a page
   * opened after a burst of writes does not wait for the whole catch-up.
   * Returns the function that stops it.
   */
  follow(liveMs: number, idleMs: number, onError: (e: Error) => void): () => void {
    const timer = setInterval(() => {
      const live = this.listeners.size > 0;
      // A failure is reported while a page listens (and then to the page's next request); idle, the next tick retries.
      this.refresh(live ? liveMs / 2 : idleMs - liveMs / 2).catch((e) => {
        if (live) onError(e as Error);
      });
    }, liveMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Reads within one request share a refresh: data is at most this old. */
  static readonly FRESH_MS = 50;

  async studies(): Promise<StudySummary[]> {
    await this.refresh(DataHub.FRESH_MS);
    return this.studyList;
  }

  async study(studyId: number): Promise<StudySummary | null> {
    await this.refresh(DataHub.FRESH_MS);
    return this.studyList.find((s) => s.studyId === studyId) ?? null;
  }

  /** The study's trials, loaded on first use and kept up to date by refresh. */
  async trials(studyId: number): Promise<StudyTrials> {
    await this.refresh(DataHub.FRESH_MS);
    let p = this.loaded.get(studyId);
    if (!p) {
      // Loaded after the cursor was taken: changes made during the load are re-read by the next refresh.
      p = this.loader.load(studyId, null).then((rows) => {
        const trials: SlimTrial[] = [];
        const cols = new TrialColumns();
        const space = new Map<string, Distribution>();
        for (const t of rows) {
          cols.set(t, trials[t.number]);
          trials[t.number] = t;
          learnSpace(space, t);
        }
        return { trials, cols, space, version: 1 };
      });
      this.loaded.set(studyId, p);
      p.catch(() => this.loaded.delete(studyId));
    }
    return p;
  }

  /**
   * Loads every study's trials in the background, one study at a time, so the
   * first page opened does not wait for a 100k-trial read. Failures are left
   * for the request that needs the study to report.
   */
  async warm(): Promise<void> {
    try {
      for (const s of await this.studies()) {
        if (this.closed) return;
        await this.trials(s.studyId).catch(() => {});
      }
    } catch {
      // The storage could not be listed: the first request will say so.
    }
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
