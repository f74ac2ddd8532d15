// Runs (or resumes) PBT of the tfjs MLP on breast cancer, on a SQLite file,
// printing one JSON line as each training step starts, so a test can SIGKILL
// it mid-segment. Usage: node --import tsx pbt-tfjs-worker.ts '{"db": "...", "delayMs": 150}'
import { runPbt } from '../../../src/pbt/run-pbt.js';
import { createStudy } from '../../../src/study/create-study.js';
import { loadTfjs } from '../../../src/tfjs/load-tfjs.js';
import { mlpPbtMember } from '../../../src/tfjs/mlp-classifier.js';
import { TFJS_CRASH_RUN, tfjsCrashSplit } from '../tfjs-digits.js';

const args = JSON.parse(process.argv[2] ?? '{}') as { db: string; delayMs?: number };
const emit = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const tfjs = await loadTfjs();
const member = mlpPbtMember(tfjs, { split: tfjsCrashSplit(), hidden: [8], batchSize: 64, score: 'loss' });
const study = await createStudy({ studyName: 'tfjs', storage: `sqlite:${args.db}`, direction: 'minimize', loadIfExists: true });
const result = await runPbt({
  study,
  ...TFJS_CRASH_RUN,
  member: {
    ...member,
    async step(net, params, ctx) {
      emit({ member: ctx.member, step: ctx.step, lr: params.lr });
      await new Promise((r) => setTimeout(r, args.delayMs ?? 0));
      return member.step(net, params, ctx);
    },
  },
});
emit({ done: true, resumed: result.resumed, members: result.members.map((m) => ({ score: m.score, params: m.params })) });
await study.close();
