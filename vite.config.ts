import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/** The Parley API the dev server forwards to (`npm run dev:web` beside `parley start` on its default port). */
const API = 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'web',
  plugins: [preact()],
  // Relative to `root`: the server serves dist/web (src/main.ts WEB_ROOT), assets under /assets/.
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // Vite 8 renamed `rollupOptions` to `rolldownOptions` (the old name is a deprecated alias).
    // Two entries: the console, and the customer's join page (`/j/<token>`), a separate small bundle that
    // imports nothing from the console (web/customer/tsconfig.json type-checks it on its own).
    rolldownOptions: {
      input: {
        console: fileURLToPath(new URL('./web/index.html', import.meta.url)),
        join: fileURLToPath(new URL('./web/join.html', import.meta.url)),
      },
    },
  },
  server: {
    proxy: { '/api': API, '/healthz': API, '/readyz': API },
  },
});
