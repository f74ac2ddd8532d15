/**
 * The command form of PBT: one segment of one member is one run of a
 * command. The command gets what it needs through its environment and
 * reports scores as `dials:` lines (the runner parses them), so any program
 * in any language can be a member:
 *
 *   DIALS_PBT_MEMBER        member index (0 … population − 1)
 *   DIALS_TRIAL_NUMBER      the segment's trial
 *   DIALS_PARAMS            the hyperparameters, a JSON object
 *   DIALS_STEP_START        steps already done: resume training from here
 *   DIALS_STEP_END          train until this many steps are done
 *   DIALS_CHECKPOINT_IN     file to load the model from; empty: start from scratch
 *   DIALS_CHECKPOINT_OUT    file to write the model to before exiting (any format)
 *   DIALS_SEED              a seed for this member and segment
 *
 * The command must report a score for step DIALS_STEP_END and write
 * DIALS_CHECKPOINT_OUT; Dials then moves that file into place atomically.
 * Hyperparameters come from DIALS_PARAMS only, never from the checkpoint.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ArtifactStore } from './artifact-store.js';
import type { PbtSegmentJob } from './run-pbt.js';

export interface PbtCommandEnv {
  readonly DIALS_PBT_MEMBER: string;
  readonly DIALS_TRIAL_NUMBER: string;
  readonly DIALS_PARAMS: string;
  readonly DIALS_STEP_START: string;
  readonly DIALS_STEP_END: string;
  readonly DIALS_CHECKPOINT_IN: string;
  readonly DIALS_CHECKPOINT_OUT: string;
  readonly DIALS_SEED: string;
}

/**
 * The environment variables a command gets for one PBT segment. The
 * artifact store must keep files (FileArtifactStore: the default beside a
 * SQLite study, or `artifacts: '<folder>'`).
 * @example const env = pbtCommandEnv(job, io.artifacts); spawn(cmd, args, { env: { ...process.env, ...env } });
 */
export function pbtCommandEnv(job: PbtSegmentJob, artifacts: ArtifactStore): PbtCommandEnv {
  const path = artifacts.filePath?.bind(artifacts);
  if (path === undefined) {
    throw new InvalidArgumentError(
      `commands read and write checkpoints as files, but the artifact store (${artifacts.location}) keeps none; pass artifacts: '<folder>' (or use a SQLite study, whose default store is a folder)`,
      ['artifacts'],
    );
  }
  return {
    DIALS_PBT_MEMBER: String(job.member),
    DIALS_TRIAL_NUMBER: String(job.trialNumber),
    DIALS_PARAMS: JSON.stringify(job.params),
    DIALS_STEP_START: String(job.start),
    DIALS_STEP_END: String(job.end),
    DIALS_CHECKPOINT_IN: job.checkpointIn === null ? '' : path(job.checkpointIn),
    DIALS_CHECKPOINT_OUT: path(job.checkpointOutTemp),
    DIALS_SEED: String(job.seed),
  };
}
