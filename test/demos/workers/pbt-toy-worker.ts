// Runs (or resumes) a PBT study of the toy problem on a SQLite file and prints
// one JSON line per training step, so a test can SIGKILL it mid-segment.
// Usage: node --import tsx test/demos/workers/pbt-toy-worker.ts '{"db": "...", "seed": 1}'
import { createStudy } from '../../../src/study/create-study.js';
import { runPbt } from '../../../src/pbt/run-pbt.js';
import { TOY_RUN, TOY_SPACE, toyMember } from '../toy-member.js';

const args = JSON.parse(process.argv[2] ?? '{}') as { db: string; seed: number; delayMs?: number };
const emit = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const study = await createStudy({ studyName: 'toy', storage: `sqlite:${args.db}`, direction: 'maximize', loadIfExists: true });
const result = await runPbt({
  study,
  space: TOY_SPACE,
  ...TOY_RUN,
  seed: args.seed,
  member: toyMember({ stepDelayMs: args.delayMs ?? 10, onStep: (member, step, params) => emit({ member, step, params }) }),
});
emit({ done: true, resumed: result.resumed, best: result.best });
await study.close();
