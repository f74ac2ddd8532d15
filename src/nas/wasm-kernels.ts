/**
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so training a
 * conv2d layer on it fails ("Kernel 'Conv2DBackpropFilter' not registered").
 * It does have Conv3DBackpropFilterV2: a 2-D convolution is a 3-D one of
 * depth 1, so the missing kernel is that one on reshaped views (NHWC → N·1·H·W·C),
 * computed in WebAssembly rather than on the much slower cpu backend. Stride 1
 * only: for larger strides that kernel disagrees with the cpu backend.
 */
import type { Tfjs } from '../tfjs/load-tfjs.js';

interface Info {
  dataId: object;
  shape: number[];
  dtype: string;
}

/** Registers the kernel once per process when the wasm backend lacks it. */
export function ensureConv2dGradients(tfjs: Tfjs): void {
  if (tfjs.backend !== 'wasm') return;
  const { tf } = tfjs;
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) return;
  const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm');
  if (conv3d === undefined) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const x = inputs.x as unknown as Info;
      const dy = inputs.dy as unknown as Info;
      const a = attrs as unknown as {
        strides: number | [number, number];
        pad: 'same' | 'valid';
        dataFormat?: string;
        filterShape: [number, number, number, number];
      };
      if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC')
        throw new Error(`Conv2DBackpropFilter on wasm (dials): only NHWC is supported, got ${a.dataFormat}`);
      if (typeof a.pad !== 'string') throw new Error("Conv2DBackpropFilter on wasm (dials): only 'same' and 'valid' padding are supported");
      const [sh, sw] = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
      // The wasm Conv3DBackpropFilterV2 disagrees with the cpu backend for strides > 1; NAS convolutions all use stride 1.
      if (sh !== 1 || sw !== 1)
        throw new Error(`Conv2DBackpropFilter on wasm (dials): only stride 1 is supported, got ${sh}×${sw}; use the cpu backend for strided convolutions`);
      const [kh, kw, ic, oc] = a.filterShape;
      const [n, h, w, c] = x.shape as [number, number, number, number];
      const [, oh, ow, och] = dy.shape as [number, number, number, number];
      const out = conv3d.kernelFunc({
        inputs: { x: { ...x, shape: [n, 1, h, w, c] }, dy: { ...dy, shape: [n, 1, oh, ow, och] } } as never,
        backend,
        attrs: { strides: [1, sh, sw], pad: a.pad, filterShape: [1, kh, kw, ic, oc] },
      }) as unknown as Info;
      return { dataId: out.dataId, shape: [kh, kw, ic, oc], dtype: out.dtype } as never;
    },
  });
}
