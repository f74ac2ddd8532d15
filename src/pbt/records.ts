/**
 * What population-based training writes to the storage, and how it is read
 * back. One trial is one *segment*: one member trained with constant
 * hyperparameters from step `start` to step `end` (readyEvery steps). A
 * member is the chain of its segments; the study's system attributes hold
 * the run's configuration, and each trial's system attributes hold its
 * segment record (member, steps, parent segment, checkpoints in and out,
 * and, after an exploit, whom it copied and how it explored).
 */
import type { JsonValue } from '../json.js';
import type { ParamValue } from '../space/distributions.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { TrialState } from '../trial/state.js';
import type { PbtChange } from './space.js';

/** Study system attribute: the run's configuration, checked when a run resumes. */
export const PBT_CONFIG_ATTR = 'dials:pbt:config';
/** Trial system attribute: the segment record. */
export const PBT_SEGMENT_ATTR = 'dials:pbt:segment';
/** Trial system attribute: the lease of the driver that ran the segment, so a restarted driver can close a segment the dead one left RUNNING. */
export const PBT_LEASE_ATTR = 'dials:pbt:lease';

/** An exploit: the member dropped its weights for a copy of `fromMember`'s and explored from its hyperparameters. */
export interface PbtExploit {
  readonly fromMember: number;
  /** The trial whose checkpoint was copied. */
  readonly fromTrial: number;
  /** Steps done by the copied checkpoint. */
  readonly fromStep: number;
  readonly fromScore: number;
  /** The member's own score when it was in the bottom share. */
  readonly score: number;
  /** The member's hyperparameters before the exploit. */
  readonly paramsBefore: Readonly<Record<string, ParamValue>>;
  /** The copied member's hyperparameters (what explore started from). */
  readonly paramsCopied: Readonly<Record<string, ParamValue>>;
  readonly changes: readonly PbtChange[];
  readonly explore: 'perturb' | 'pb2';
}

export interface PbtSegmentRecord {
  readonly member: number;
  /** Segments before this one in the member's chain (0 for its first). */
  readonly generation: number;
  readonly start: number;
  readonly end: number;
  /** This member's previous segment (trial number), or null for its first. */
  readonly parent: number | null;
  /** Artifact key of the checkpoint the segment starts from; null for a fresh model. */
  readonly checkpointIn: string | null;
  /** Artifact key the segment's checkpoint is written to (valid once the trial is COMPLETE). */
  readonly checkpointOut: string;
  readonly exploit: PbtExploit | null;
  /** The interrupted or failed trial this one runs again, with the same hyperparameters and checkpoint. */
  readonly rerunOf: number | null;
}

/** One segment as stored: its record, trial and outcome. */
export interface PbtSegmentInfo extends PbtSegmentRecord {
  readonly trialNumber: number;
  readonly trialId: number;
  readonly state: TrialState;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The score at `end` (COMPLETE only). */
  readonly score: number | null;
  /** Where the weights at `start` came from: the exploited trial, else the parent segment. */
  readonly weightsFrom: number | null;
}

export function segmentRecordOf(t: FrozenTrial): PbtSegmentRecord | null {
  const raw = t.systemAttrs[PBT_SEGMENT_ATTR] as JsonValue | undefined;
  if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  return raw as unknown as PbtSegmentRecord;
}

/** Every segment of a PBT study, in trial-number order. */
export function segmentsOf(trials: readonly FrozenTrial[]): PbtSegmentInfo[] {
  const out: PbtSegmentInfo[] = [];
  for (const t of trials) {
    const r = segmentRecordOf(t);
    if (r === null) continue;
    out.push({
      ...r,
      trialNumber: t.number,
      trialId: t.trialId,
      state: t.state,
      params: t.params,
      score: t.state === 'COMPLETE' ? t.value : null,
      weightsFrom: r.exploit ? r.exploit.fromTrial : r.parent,
    });
  }
  return out.sort((a, b) => a.trialNumber - b.trialNumber);
}

/** One stretch of a learned schedule: these hyperparameters from `start` to `end`. */
export interface PbtScheduleEntry {
  readonly start: number;
  readonly end: number;
  readonly member: number;
  readonly trialNumber: number;
  readonly params: Readonly<Record<string, ParamValue>>;
}

/**
 * The hyperparameter schedule that produced a segment's weights: its own
 * stretch, preceded by that of the segment its weights came from, back to a
 * fresh model. (Follows exploits across members: the learned schedule.)
 */
export function learnedSchedule(segments: readonly PbtSegmentInfo[], trialNumber: number): PbtScheduleEntry[] {
  const byNumber = new Map(segments.map((s) => [s.trialNumber, s]));
  const out: PbtScheduleEntry[] = [];
  let cur = byNumber.get(trialNumber);
  const seen = new Set<number>();
  while (cur !== undefined && !seen.has(cur.trialNumber)) {
    seen.add(cur.trialNumber);
    out.push({ start: cur.start, end: cur.end, member: cur.member, trialNumber: cur.trialNumber, params: cur.params });
    cur = cur.weightsFrom === null ? undefined : byNumber.get(cur.weightsFrom);
  }
  return out.reverse();
}
