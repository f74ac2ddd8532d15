// A small neural network in plain JavaScript, tuned by `dials tune`:
// a one-hidden-layer MLP (hidden = 0 makes it multinomial logistic regression)
// trained with mini-batch SGD + momentum on the UCI hand-written digits
// (1797 8x8 images, 10 classes; data/digits.rst). Reports the validation
// accuracy after every epoch, so a pruner can stop poor trials early.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { report, trialParams } from 'dials/trial';

const p = trialParams({ lr: 0.1, hidden: 32, activation: 'relu', l2: 1e-4, momentum: 0.9, batch: 32 });
const EPOCHS = 20;

// Data: pixels scaled to [0, 1]; a fixed shuffled split, 75% train / 25% validation.
const rows = gunzipSync(readFileSync(new URL('./data/digits.csv.gz', import.meta.url)))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((l) => l.split(',').map(Number));
const D = 64;
const K = 10;
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
for (let i = rows.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [rows[i], rows[j]] = [rows[j], rows[i]];
}
const X = rows.map((r) => Float64Array.from(r.slice(0, D), (v) => v / 16));
const Y = rows.map((r) => r[D]);
const nTrain = Math.floor(rows.length * 0.75);

// Parameters: W1 (D x H), b1, W2 (H' x K), b2 where H' = H, or D without a hidden layer.
const H = Number(p.hidden);
const inDim = H > 0 ? H : D;
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
const W1 = Float64Array.from({ length: D * H }, () => gauss() * Math.sqrt(2 / D));
const b1 = new Float64Array(H);
const W2 = Float64Array.from({ length: inDim * K }, () => gauss() * Math.sqrt(1 / inDim));
const b2 = new Float64Array(K);
const params = [W1, b1, W2, b2];
const grads = params.map((a) => new Float64Array(a.length));
const velocity = params.map((a) => new Float64Array(a.length));
const act = p.activation === 'tanh' ? Math.tanh : (v) => (v > 0 ? v : 0);
const dAct = p.activation === 'tanh' ? (a) => 1 - a * a : (a) => (a > 0 ? 1 : 0);

const h = new Float64Array(Math.max(H, 1));
const z = new Float64Array(K);
function forward(x) {
  let input = x;
  if (H > 0) {
    for (let j = 0; j < H; j++) {
      let s = b1[j];
      for (let i = 0; i < D; i++) s += x[i] * W1[i * H + j];
      h[j] = act(s);
    }
    input = h;
  }
  let max = -Infinity;
  for (let k = 0; k < K; k++) {
    let s = b2[k];
    for (let i = 0; i < inDim; i++) s += input[i] * W2[i * K + k];
    z[k] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let k = 0; k < K; k++) sum += z[k] = Math.exp(z[k] - max);
  for (let k = 0; k < K; k++) z[k] /= sum;
  return input;
}

const dh = new Float64Array(Math.max(H, 1));
function backward(x, y, input) {
  for (let k = 0; k < K; k++) {
    const g = z[k] - (k === y ? 1 : 0);
    grads[3][k] += g;
    for (let i = 0; i < inDim; i++) grads[2][i * K + k] += input[i] * g;
  }
  if (H === 0) return;
  for (let j = 0; j < H; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += W2[j * K + k] * (z[k] - (k === y ? 1 : 0));
    dh[j] = s * dAct(h[j]);
    grads[1][j] += dh[j];
  }
  for (let i = 0; i < D; i++) {
    if (x[i] === 0) continue;
    for (let j = 0; j < H; j++) grads[0][i * H + j] += x[i] * dh[j];
  }
}

function accuracy(from, to) {
  let ok = 0;
  for (let n = from; n < to; n++) {
    forward(X[n]);
    let best = 0;
    for (let k = 1; k < K; k++) if (z[k] > z[best]) best = k;
    if (best === Y[n]) ok++;
  }
  return ok / (to - from);
}

const order = Array.from({ length: nTrain }, (_, i) => i);
let acc = 0;
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let start = 0; start < nTrain; start += p.batch) {
    const batch = order.slice(start, start + p.batch);
    for (const g of grads) g.fill(0);
    for (const n of batch) backward(X[n], Y[n], forward(X[n]));
    params.forEach((w, t) => {
      const g = grads[t];
      const v = velocity[t];
      const decay = t === 0 || t === 2 ? p.l2 : 0;
      for (let i = 0; i < w.length; i++) {
        v[i] = p.momentum * v[i] - p.lr * (g[i] / batch.length + decay * w[i]);
        w[i] += v[i];
      }
    });
  }
  acc = accuracy(nTrain, X.length);
  if (!Number.isFinite(acc)) break;
  report({ accuracy: acc }, epoch);
}
console.log(`hidden=${H} ${p.activation} lr=${p.lr} l2=${p.l2}: validation accuracy ${acc.toFixed(4)}`);
report({ accuracy: acc });
