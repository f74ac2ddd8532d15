/** Lease ids and the outcome of a write against a trial that is no longer RUNNING. */
import { randomBytes } from 'node:crypto';
import { LeaseLostError, TrialFinishedError } from '../errors.js';
import type { TrialState } from '../trial/state.js';
import type { TrialPatch } from './storage.js';

export function newLeaseId(): string {
  return randomBytes(12).toString('base64url');
}

export const REASON_LEASE_EXPIRED = 'lease-expired';

function sameValues(a: readonly number[] | null, b: readonly number[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]) || (x === 0 && b[i] === 0));
}

/**
 * Decides what a write to a trial that is not RUNNING under `leaseId` means.
 * Returns normally when it is a repeat of the tell that already finished the
 * trial (a retry after an unknown commit outcome); throws otherwise.
 */
export function resolveStaleWrite(
  current: { number: number; state: TrialState; leaseId: string | null; values: readonly number[] | null; failReason: string | null },
  leaseId: string,
  patch: TrialPatch,
): void {
  const ours = current.leaseId === leaseId;
  if (ours && patch.finish && current.state === patch.finish.state && sameValues(current.values, patch.finish.values)) return;
  if (ours && current.state === 'FAIL' && current.failReason === REASON_LEASE_EXPIRED) throw new LeaseLostError(current.number);
  if (current.state === 'RUNNING' || current.state === 'WAITING') throw new LeaseLostError(current.number);
  throw new TrialFinishedError(current.number, current.state);
}
