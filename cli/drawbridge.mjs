#!/usr/bin/env node
// The `drawbridge` command (npx drawbridge). TypeScript sources run through tsx's loader so the
// CLI shares lib/ with the server without a separate build.
import { register as registerHooks } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
registerHooks('../lib/server-only-hook.mjs', import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
// Task workers (lib/workers) load their files from the checkout, wherever the CLI is run from.
process.env.DRAWBRIDGE_ROOT ??= path.join(here, '..');
process.env.DRAWBRIDGE_MIGRATIONS_DIR ??= path.join(here, '..', 'prisma', 'migrations');
process.env.DRAWBRIDGE_DEMO_DIR ??= path.join(here, '..', 'prisma', 'demo');
const { main } = await import(pathToFileURL(path.join(here, 'main.ts')).href);
process.exitCode = await main(process.argv.slice(2));
