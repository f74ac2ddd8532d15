// One PBT segment of a small MLP on the UCI digits (data/digits.rst), in plain
// JavaScript with no Dials import: everything comes from the environment that
// `dials tune` sets for a segment, and the scores go back as `dials:` lines.
//
//   DIALS_PARAMS          {"lr": …, "momentum": …, "hidden": …}: the hyperparameters (never read them from the checkpoint)
//   DIALS_STEP_START      epochs already trained (the checkpoint's own counter must agree)
//   DIALS_STEP_END        train until this many epochs are done
//   DIALS_CHECKPOINT_IN   the checkpoint to continue from; empty for a fresh network
//   DIALS_CHECKPOINT_OUT  where to write the checkpoint before exiting
//   DIALS_SEED            a seed for a fresh network
//
// Run by hand: DIALS_STEP_START=0 DIALS_STEP_END=3 DIALS_CHECKPOINT_OUT=/tmp/c.json node train.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const env = process.env;
const p = { lr: 0.05, momentum: 0.9, hidden: 32, ...JSON.parse(env.DIALS_PARAMS || '{}') };
const start = Number(env.DIALS_STEP_START ?? 0);
const end = Number(env.DIALS_STEP_END ?? 3);
const BATCH = 32;
const L2 = 1e-4;

// Data: pixels scaled to [0, 1]; a fixed shuffled split, 75% train / 25% validation.
const rows = gunzipSync(readFileSync(new URL('../../data/digits.csv.gz', import.meta.url)))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((l) => l.split(',').map(Number));
const D = 64;
const K = 10;
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}
const splitRand = lcg(12345);
for (let i = rows.length - 1; i > 0; i--) {
  const j = Math.floor(splitRand() * (i + 1));
  [rows[i], rows[j]] = [rows[j], rows[i]];
}
const X = rows.map((r) => Float64Array.from(r.slice(0, D), (v) => v / 16));
const Y = rows.map((r) => r[D]);
const nTrain = Math.floor(rows.length * 0.75);

// The network: weights and momentum buffers, fresh or from the checkpoint.
const H = Number(p.hidden);
let net;
if (env.DIALS_CHECKPOINT_IN) {
  net = JSON.parse(readFileSync(env.DIALS_CHECKPOINT_IN, 'utf8'));
  if (net.epochs !== start) {
    console.error(`the checkpoint has ${net.epochs} epochs of training, but DIALS_STEP_START is ${start}`);
    process.exit(2);
  }
  if (net.hidden !== H) {
    console.error(`the checkpoint has ${net.hidden} hidden units, but DIALS_PARAMS says ${H}`);
    process.exit(2);
  }
} else {
  const rand = lcg(Number(env.DIALS_SEED ?? 1));
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const w1 = Array.from({ length: D * H }, () => gauss() * Math.sqrt(2 / D));
  const w2 = Array.from({ length: H * K }, () => gauss() * Math.sqrt(1 / H));
  net = { epochs: 0, hidden: H, seed: Number(env.DIALS_SEED ?? 1), weights: [w1, new Array(H).fill(0), w2, new Array(K).fill(0)], history: [] };
  net.velocity = net.weights.map((w) => new Array(w.length).fill(0));
}
const [W1, b1, W2, b2] = net.weights.map((w) => Float64Array.from(w));
const weights = [W1, b1, W2, b2];
const velocity = net.velocity.map((v) => Float64Array.from(v));
const grads = weights.map((w) => new Float64Array(w.length));

const h = new Float64Array(H);
const z = new Float64Array(K);
function forward(x) {
  for (let j = 0; j < H; j++) {
    let s = b1[j];
    for (let i = 0; i < D; i++) s += x[i] * W1[i * H + j];
    h[j] = s > 0 ? s : 0;
  }
  let max = -Infinity;
  for (let k = 0; k < K; k++) {
    let s = b2[k];
    for (let j = 0; j < H; j++) s += h[j] * W2[j * K + k];
    z[k] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let k = 0; k < K; k++) sum += z[k] = Math.exp(z[k] - max);
  for (let k = 0; k < K; k++) z[k] /= sum;
}
const dh = new Float64Array(H);
function backward(x, y) {
  for (let j = 0; j < H; j++) dh[j] = 0;
  for (let k = 0; k < K; k++) {
    const g = z[k] - (k === y ? 1 : 0);
    grads[3][k] += g;
    for (let j = 0; j < H; j++) {
      grads[2][j * K + k] += h[j] * g;
      dh[j] += W2[j * K + k] * g;
    }
  }
  for (let j = 0; j < H; j++) {
    if (h[j] <= 0) dh[j] = 0;
    grads[1][j] += dh[j];
  }
  for (let i = 0; i < D; i++) {
    if (x[i] === 0) continue;
    for (let j = 0; j < H; j++) grads[0][i * H + j] += x[i] * dh[j];
  }
}
function validate() {
  let loss = 0;
  let ok = 0;
  for (let n = nTrain; n < X.length; n++) {
    forward(X[n]);
    loss -= Math.log(Math.max(z[Y[n]], 1e-12));
    let best = 0;
    for (let k = 1; k < K; k++) if (z[k] > z[best]) best = k;
    if (best === Y[n]) ok++;
  }
  return { loss: loss / (X.length - nTrain), accuracy: ok / (X.length - nTrain) };
}

// Train epochs start+1 … end; epoch e's batch order depends only on (seed, e), so a resumed run trains as an uninterrupted one.
const order = Array.from({ length: nTrain }, (_, i) => i);
for (let epoch = start; epoch < end; epoch++) {
  const rand = lcg(net.seed * 1000003 + epoch);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let b = 0; b < nTrain; b += BATCH) {
    const batch = order.slice(b, b + BATCH);
    for (const g of grads) g.fill(0);
    for (const n of batch) {
      forward(X[n]);
      backward(X[n], Y[n]);
    }
    weights.forEach((w, t) => {
      const g = grads[t];
      const v = velocity[t];
      const decay = t === 0 || t === 2 ? L2 : 0;
      for (let i = 0; i < w.length; i++) {
        v[i] = p.momentum * v[i] - p.lr * (g[i] / batch.length + decay * w[i]);
        w[i] += v[i];
      }
    });
  }
  const { loss, accuracy } = validate();
  // "step" counts the epochs done; a diverged network reports NaN and ranks last.
  console.log(`dials: ${JSON.stringify({ step: epoch + 1, loss: Number.isFinite(loss) ? loss : 'nan', accuracy })}`);
}

net.epochs = end;
net.history.push({ trial: Number(env.DIALS_TRIAL_NUMBER ?? -1), member: Number(env.DIALS_PBT_MEMBER ?? -1), start, end, lr: p.lr, momentum: p.momentum });
net.weights = weights.map((w) => Array.from(w));
net.velocity = velocity.map((v) => Array.from(v));
if (env.DIALS_CHECKPOINT_OUT) writeFileSync(env.DIALS_CHECKPOINT_OUT, JSON.stringify(net));
