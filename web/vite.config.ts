// The web app's build: Vite (Rolldown + Oxc) compiles the Preact/TSX sources in web/src to
// web/dist, which the app serves (src/web/static.ts). No dev-server plugins: the JSX runtime
// is Preact's, set here and in web/tsconfig.json.
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
  },
});
