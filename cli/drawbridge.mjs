#!/usr/bin/env node
// The `drawbridge` command (npx drawbridge). It runs the prebuilt bundle of its TypeScript sources
// (cli/bundle.mjs: rebuilt whenever a source changes), or, where no bundle can be built or
// DRAWBRIDGE_CLI_BUNDLE=0, the sources themselves through tsx's loader.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { bundleEntryUrl } from './bundle.mjs';

// A command lives for seconds, so the embedded database's WebAssembly (PGlite, ~10 MB of it) runs on
// V8's baseline compiler only: optimising it in the background cost more CPU than the command itself
// (1.45 s → 0.65 s of CPU to open a database, and exit waited for those compiles). Set before any
// module is compiled; the server, which runs for days, keeps the optimising tier.
v8.setFlagsFromString('--liftoff-only');

const here = path.dirname(fileURLToPath(import.meta.url));
// Task workers (lib/workers) load their files from the checkout, wherever the CLI is run from.
process.env.DRAWBRIDGE_ROOT ??= path.join(here, '..');
process.env.DRAWBRIDGE_MIGRATIONS_DIR ??= path.join(here, '..', 'prisma', 'migrations');
process.env.DRAWBRIDGE_DEMO_DIR ??= path.join(here, '..', 'prisma', 'demo');

async function sourceEntryUrl() {
  const [{ register }, { register: registerHooks }] = await Promise.all([import('tsx/esm/api'), import('node:module')]);
  register();
  registerHooks('../lib/server-only-hook.mjs', import.meta.url);
  return pathToFileURL(path.join(here, 'main.ts')).href;
}

const entry = (process.env.DRAWBRIDGE_CLI_BUNDLE !== '0' && (await bundleEntryUrl())) || (await sourceEntryUrl());
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
