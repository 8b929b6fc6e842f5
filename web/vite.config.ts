import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { compression, defineAlgorithm } from 'vite-plugin-compression2'

// The dashboard's front-end, built into dist/web and served by every API replica under
// /dashboard/ (src/dashboard/page-routes.ts). Hashed names under assets/ are cached for a year;
// .br and .gz copies beside each file are sent to browsers that accept them (@fastify/static preCompressed).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // No inline data: URLs for assets: the Content-Security-Policy allows this origin only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false }
  },
  plugins: [compression({ algorithms: [defineAlgorithm('gzip', { level: 9 }), defineAlgorithm('brotliCompress')], threshold: 1024 })]
})
