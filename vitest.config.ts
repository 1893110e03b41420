import { defineConfig } from 'vitest/config';
import path from 'node:path';

export default defineConfig({
  resolve: {
    alias: {
      '@': path.resolve(import.meta.dirname),
      // Tests are a server host: the marker resolves to its empty module, as Next.js resolves it on the server.
      'server-only': path.resolve(import.meta.dirname, 'node_modules/server-only/empty.js'),
    },
  },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'e2e/**', '.next/**', 'data/**'],
    environment: 'node',
    // Two files at a time on the 2-core CI machine: most files wait on child processes (the CLI,
    // crash-test children, PostgreSQL) more than they compute, so the suite takes ~70% of the serial
    // time. The CLI's end-to-end tests run a dozen real commands each; under that contention one
    // can take over a minute, so tests get 3 minutes before they count as hung.
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
