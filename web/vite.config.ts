import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// `npm run dev` serves the page on 5173 and forwards the API to `dic dev`
// (DIC_API_URL, default http://127.0.0.1:3000), so both share one origin
// as they do when the API serves the built page.
const api = process.env.DIC_API_URL ?? 'http://127.0.0.1:3000';
const apiPaths = ['/imports', '/catalog', '/templates', '/feeds', '/records', '/config.json', '/dev', '/openapi.json'];

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 1024 },
  server: { proxy: Object.fromEntries(apiPaths.map((p) => [p, api])) },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
