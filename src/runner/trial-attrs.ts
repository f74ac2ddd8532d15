/** Attribute keys the runner writes, shared with the commands that read them. */

/** Trial system attributes: the kept tails of the command's stdout and stderr, and its exit status. */
export const STDOUT_ATTR = 'dials:stdout';
export const STDERR_ATTR = 'dials:stderr';
export const RUN_ATTR = 'dials:run';
/** Trial system attribute: the worker that ran it (`host:pid/slot`), one lane of the dashboard's timeline. */
export const WORKER_ATTR = 'dials:worker';
/** Study system attribute: the metric names of the config, one per objective. */
export const METRICS_ATTR = 'dials:metrics';
