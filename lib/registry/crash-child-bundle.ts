/**
 * The crash-consistency child, compiled once per test file into one ES module (esbuild, the one tsx
 * ships with, as cli/bundle.mjs builds the CLI). Each of the file's dozen children then starts on
 * plain node: under `--import tsx` every start paid tsx's loader thread and compiled the registry's
 * sources again (~1–2 s a child on the 2-core CI machine), and the kills wait on those starts.
 */
import 'server-only';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const REPO = path.join(import.meta.dirname, '..', '..');
const LOADERS: Record<string, string> = { '.ts': 'ts', '.tsx': 'tsx', '.mts': 'ts', '.mjs': 'js', '.js': 'js' };

type Esbuild = {
  build(opts: Record<string, unknown>): Promise<unknown>;
};

/**
 * Bundles `entry` into a new directory under node_modules/.cache (so the packages it leaves
 * external resolve from the checkout's node_modules) and returns the module's path and a remover.
 */
export async function bundleChild(entry: string): Promise<{ file: string; remove(): void }> {
  const esbuild = createRequire(fs.realpathSync(path.join(REPO, 'node_modules', 'tsx', 'package.json')))(
    'esbuild',
  ) as Esbuild;
  const cache = path.join(REPO, 'node_modules', '.cache', 'drawbridge-crash-child');
  fs.mkdirSync(cache, { recursive: true });
  const dir = fs.mkdtempSync(path.join(cache, 'build-'));
  const file = path.join(dir, 'child.mjs');
  await esbuild.build({
    absWorkingDir: REPO,
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
    plugins: [
      {
        name: 'crash-child',
        setup(b: {
          onResolve(o: { filter: RegExp }, f: () => { path: string }): void;
          onLoad(o: { filter: RegExp }, f: (a: { path: string }) => { contents: string; loader: string }): void;
        }) {
          // A server host: `server-only` is its empty module, as under tsx (lib/server-only-hook.mjs).
          b.onResolve({ filter: /^server-only$/ }, () => ({
            path: path.join(REPO, 'node_modules', 'server-only', 'empty.js'),
          }));
          // One output file has one import.meta: each source keeps its own directory.
          b.onLoad({ filter: /\.(m?ts|tsx|m?js)$/ }, (a) => ({
            contents: fs
              .readFileSync(a.path, 'utf8')
              .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(a.path))),
            loader: LOADERS[path.extname(a.path)] ?? 'js',
          }));
        },
      },
    ],
  });
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
