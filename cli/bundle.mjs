// The CLI's prebuilt bundle: cli/main.ts and everything it can import from the checkout, compiled by
// esbuild (the one tsx ships with) into node_modules/.cache/drawbridge-cli/. Starting from it skips
// tsx's loader hooks, which run on their own thread and made every start wait (issue 14: "a
// do-nothing CLI command costs 2.4 s"). Packages stay external (node_modules is the same as
// before), and each command keeps its own chunk, so `--help` loads no database client or formats.
//
// Never stale: the manifest records a hash of every source file the bundle was built from; each
// start hashes them again and rebuilds on any difference. If the bundle cannot be built (say, a
// read-only checkout), the CLI runs its sources through tsx as before.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// A new layout or new build options must not reuse a bundle built by an older version of this file.
const SELF = fileURLToPath(import.meta.url);
const LOADERS = { '.ts': 'ts', '.tsx': 'tsx', '.mts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' };

/** Where a checkout's bundle lives; tests point `root` and `cacheDir` elsewhere. */
export function bundlePlace(root = ROOT, cacheDir = path.join(root, 'node_modules', '.cache', 'drawbridge-cli')) {
  return { root, cacheDir, manifest: path.join(cacheDir, 'manifest.json') };
}

const sha1 = (bytes) => crypto.createHash('sha1').update(bytes).digest('hex');

/** The manifest when every file it lists (this builder included) still hashes the same; else null. */
export function freshManifest(place = bundlePlace()) {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(place.manifest, 'utf8'));
    if (manifest.builder !== sha1(fs.readFileSync(SELF))) return null;
    for (const [rel, sha] of Object.entries(manifest.inputs)) {
      if (sha1(fs.readFileSync(path.join(place.root, rel))) !== sha) return null;
    }
  } catch {
    return null; // no manifest yet, or an input was deleted or renamed
  }
  return fs.existsSync(path.join(manifest.dir, 'main.mjs')) ? manifest : null;
}

/** Builds the bundle into a new directory and points the manifest at it (atomically: renamed into place). */
export async function buildBundle(place = bundlePlace()) {
  const { root, cacheDir } = place;
  // Resolved from tsx's own (real) directory: esbuild is tsx's dependency, not ours.
  const esbuild = createRequire(fs.realpathSync(path.join(root, 'node_modules', 'tsx', 'package.json')))('esbuild');
  fs.mkdirSync(cacheDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(cacheDir, 'build-'));
  // Hashed as esbuild reads them, so the manifest names exactly the bytes in the bundle even when a
  // file is saved during the build.
  const inputs = {};
  const { metafile } = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: path.join(root, 'cli', 'main.ts') },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
    metafile: true,
    plugins: [
      {
        name: 'drawbridge-cli',
        setup(b) {
          // This host is a server, so `server-only` is its empty module (as lib/server-only-hook.mjs
          // arranges under tsx); external, it would resolve to the package's throwing default.
          b.onResolve({ filter: /^server-only$/ }, () => ({
            path: path.join(root, 'node_modules', 'server-only', 'empty.js'),
          }));
          b.onLoad({ filter: /.*/ }, (args) => {
            const contents = fs.readFileSync(args.path);
            inputs[path.relative(root, args.path)] = sha1(contents);
            return { contents, loader: LOADERS[path.extname(args.path)] ?? 'js' };
          });
        },
      },
    ],
  });
  // Which sources each chunk holds: what a command loads can be told from the chunks it imports.
  const chunks = Object.fromEntries(
    Object.entries(metafile.outputs).map(([out, o]) => [path.basename(out), Object.keys(o.inputs)]),
  );
  const manifest = { builtAt: new Date().toISOString(), builder: sha1(fs.readFileSync(SELF)), dir, inputs, chunks };
  const tmp = `${place.manifest}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(manifest));
  fs.renameSync(tmp, place.manifest);
  removeOldBuilds(cacheDir, dir);
  return manifest;
}

// Old builds go once they are an hour old: a command started on one may still import its chunks.
function removeOldBuilds(cacheDir, keep) {
  const hourAgo = Date.now() - 3600_000;
  for (const name of fs.readdirSync(cacheDir)) {
    const p = path.join(cacheDir, name);
    if (!name.startsWith('build-') || p === keep) continue;
    try {
      if (fs.statSync(p).mtimeMs < hourAgo) fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // another process removed it first
    }
  }
}

/** file:// URL of the bundle's entry, built now if missing or stale; null when it cannot be built. */
export async function bundleEntryUrl(place = bundlePlace()) {
  let manifest = freshManifest(place);
  if (!manifest) {
    try {
      manifest = await buildBundle(place);
    } catch {
      return null;
    }
  }
  return pathToFileURL(path.join(manifest.dir, 'main.mjs')).href;
}
