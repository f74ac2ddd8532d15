/**
 * The conv2d filter gradient Dials registers on the wasm backend agrees with
 * the cpu backend's reference kernel ('same' and 'valid' padding, stride 1).
 */
import { expect, it } from 'vitest';
import { loadTfjs } from '../tfjs/load-tfjs.js';
import { ensureConv2dGradients } from './wasm-kernels.js';

it('computes the conv2d filter gradient on wasm as the cpu backend does', async () => {
  const tfjs = await loadTfjs();
  expect(tfjs.backend).toBe('wasm');
  ensureConv2dGradients(tfjs);
  const { tf } = tfjs;
  const xs = Array.from({ length: 3 * 8 * 8 * 2 }, (_, i) => Math.sin(i * 1.3));
  const fs = Array.from({ length: 5 * 5 * 2 * 4 }, (_, i) => Math.cos(i * 0.7));
  const grads = (pad: 'same' | 'valid') =>
    tf.tidy(() => {
      const x = tf.tensor4d(xs, [3, 8, 8, 2]);
      const f = tf.tensor4d(fs, [5, 5, 2, 4]);
      // A non-uniform upstream gradient: d/dW of Σ conv(x, W)².
      return Array.from(
        tf
          .grad((w) => tf.sum(tf.square(tf.conv2d(x, w as typeof f, 1, pad))))(f)
          .dataSync(),
      );
    });
  const wasm = { same: grads('same'), valid: grads('valid') };
  await tf.setBackend('cpu');
  try {
    for (const pad of ['same', 'valid'] as const) {
      const cpu = grads(pad);
      expect(wasm[pad]).toHaveLength(5 * 5 * 2 * 4);
      for (let i = 0; i < cpu.length; i++) expect(wasm[pad][i], `${pad} [${i}]`).toBeCloseTo(cpu[i] as number, 2);
    }
  } finally {
    await tf.setBackend('wasm');
  }
});
