// The web app's build: Vite (Rolldown + Oxc) compiles the Preact/TSX sources in web/src to
// web/dist, which the app serves (src/web/static.ts). No dev-server plugins: the JSX runtime
// is Preact's, set here and in web/tsconfig.json.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    manifest: true,
    reportCompressedSize: false,
    // Two pages: the app, and the HubSpot calling extension (its own small entry, /hubspot/calling).
    rollupOptions: { input: { main: resolve(import.meta.dirname, 'index.html'), hubspot: resolve(import.meta.dirname, 'hubspot.html') } },
  },
});
