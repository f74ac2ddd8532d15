/** Attribute keys the runner writes, shared with the commands that read them. */

/** Trial system attributes: the kept tails of the command's stdout and stderr, and its exit status. */
export const STDOUT_ATTR = 'dials:stdout';
export const STDERR_ATTR = 'dials:stderr';
export const RUN_ATTR = 'dials:run';
/** Study system attribute: the metric names of the config, one per objective. */
export const METRICS_ATTR = 'dials:metrics';
