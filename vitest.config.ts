import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import path from 'node:path';

// The long poles (CI, 2 cores, longest first). On a fresh clone vitest has no timings and runs files
// in path order, so one of these could start last and run alone while the other worker idles.
const LONGEST = [
  'lib/registry/list-plans.test.ts',
  'app/api/v1/backup/route.test.ts',
  'lib/registry/deploy-race.test.ts',
  'app/api/fuzz.test.ts',
  'lib/registry/webhooks.test.ts',
  'lib/auth/throttle.test.ts',
  'lib/registry/export-list.test.ts',
  'lib/registry/requests/preconditions.test.ts',
  'lib/registry/list-plans-other.test.ts',
  'cli/cli.test.ts',
  'lib/backup/backup.test.ts',
  'lib/registry/crash-consistency.test.ts',
];

/** vitest's order (failed first, then by the last run's durations) with the long poles always ahead. */
class LongestFirst extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST.indexOf(path.relative(import.meta.dirname, f.moduleId));
      return i < 0 ? LONGEST.length : i;
    };
    const sorted = await super.sort(files);
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}

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
    sequence: { sequencer: LongestFirst },
    // Every test file opens PGlite (~10 MB of WebAssembly) for a few seconds: V8's optimising tier
    // compiled it in the background at more CPU than the queries saved (measured on 3 PGlite-heavy
    // files, the 50-way deploy race among them: 45 s → 36 s of CPU). Liftoff only, as the CLI does.
    execArgv: ['--liftoff-only'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
