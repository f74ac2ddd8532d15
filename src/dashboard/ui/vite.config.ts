/**
 * Builds the dashboard's front end into dist/dashboard/ui, which the package
 * ships and the server serves as static files. Every script is an external,
 * content-hashed file, so a CSP of `script-src 'self'` holds.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../../dist/dashboard/ui', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 6000,
    sourcemap: false,
    // Plotly's chunk is large by nature; timing notes about it are noise in `npm run build`.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
