/**
 * Trial states and the only transitions allowed between them:
 * WAITING → RUNNING → {COMPLETE, PRUNED, FAIL}; a WAITING trial may also be
 * failed directly. The last three are terminal. Storage enforces the same
 * rules in the database itself.
 */
export const TRIAL_STATES = ['WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];
export type FinalState = 'COMPLETE' | 'PRUNED' | 'FAIL';

export const FINAL_STATES: readonly FinalState[] = ['COMPLETE', 'PRUNED', 'FAIL'];

export function isFinal(state: TrialState): state is FinalState {
  return state === 'COMPLETE' || state === 'PRUNED' || state === 'FAIL';
}

export function canTransition(from: TrialState, to: TrialState): boolean {
  if (from === 'WAITING') return to === 'RUNNING' || to === 'FAIL';
  if (from === 'RUNNING') return isFinal(to);
  return false;
}

export type StudyDirection = 'minimize' | 'maximize';
