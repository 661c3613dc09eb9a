// The dashboard's bundle: web/index.html and web/src/main.ts built by Vite into dist/web, served under /dashboard.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The map's WebGL scatter is a lazily loaded chunk; the first view stays small.
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      input: { main: fileURLToPath(new URL('index.html', import.meta.url)) },
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        assetFileNames: (asset) => (asset.names.some((name) => name.endsWith('.css')) ? 'style.css' : '[name][extname]'),
      },
    },
  },
});
