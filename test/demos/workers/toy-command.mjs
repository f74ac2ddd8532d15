// A PBT member as a command: the toy problem of test/demos/toy-member.ts,
// driven only by the environment of pbtCommandEnv. Prints one JSON line per
// step and writes its checkpoint (θ as JSON) to DIALS_CHECKPOINT_OUT.
import { readFileSync, writeFileSync } from 'node:fs';

const env = process.env;
const params = JSON.parse(env.DIALS_PARAMS);
const start = Number(env.DIALS_STEP_START);
const end = Number(env.DIALS_STEP_END);
const theta = env.DIALS_CHECKPOINT_IN ? JSON.parse(readFileSync(env.DIALS_CHECKPOINT_IN, 'utf8')) : [0.9, 0.9];
for (let s = start; s < end; s++) {
  theta[0] = theta[0] + 0.01 * (-2 * params.h0 * theta[0]);
  theta[1] = theta[1] + 0.01 * (-2 * params.h1 * theta[1]);
  process.stdout.write(`${JSON.stringify({ step: s + 1, value: 1.2 - (theta[0] ** 2 + theta[1] ** 2) })}\n`);
}
writeFileSync(env.DIALS_CHECKPOINT_OUT, JSON.stringify(theta));
