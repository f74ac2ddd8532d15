// Runs a grid study through optimize() with no trial count, so it returns when
// the grid is exhausted. Prints {"number", "gridIndex", "x", "y"} per stored trial.
// Options: { storage, studyName, seed, grid: { x: number[], y: number[] } }.
import { GridSampler, loadStudy } from 'dials';
import { emit, prng, readyThenWaitForGo, sleep, workerArgs } from './common.mjs';

const { storage, studyName, seed, grid } = workerArgs();
const study = await loadStudy({ studyName, storage, sampler: new GridSampler(grid) });
const xs = grid.x;
const ys = grid.y;
const rand = prng(seed);
await readyThenWaitForGo();
let count = 0;
await study.optimize(
  async (trial) => {
    const x = trial.suggestInt('x', Math.min(...xs), Math.max(...xs));
    const y = trial.suggestFloat('y', Math.min(...ys), Math.max(...ys));
    await sleep(Math.floor(rand() * 3));
    return x + y;
  },
  {
    callbacks: [
      (_study, frozen) => {
        count++;
        emit({ number: frozen.number, gridIndex: frozen.gridIndex, x: frozen.params.x, y: frozen.params.y, state: frozen.state });
      },
    ],
  },
);
emit({ done: true, count });
await study.close();
