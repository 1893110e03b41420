#!/usr/bin/env node
// `npm start`: build the app if the build is missing or older than the sources, migrate and seed
// an empty database with the demo data, then serve on $PORT (default 3000).
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** A fingerprint of everything the build depends on, so a stale build is rebuilt. */
function sourceFingerprint() {
  const h = crypto.createHash('sha256');
  const walk = (p) => {
    if (!fs.existsSync(p)) return;
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      if (p.endsWith('generated') || p.endsWith('fixtures')) return;
      for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
    } else if (/\.(tsx?|css|mjs|json|prisma)$/.test(p)) {
      h.update(`${p}:${st.size}:${st.mtimeMs}\n`);
    }
  };
  for (const p of [
    'app',
    'components',
    'lib',
    'proxy.ts',
    'instrumentation.ts',
    'next.config.ts',
    'package-lock.json',
    'prisma/schema.prisma',
    'postcss.config.mjs',
  ])
    walk(p);
  return h.digest('hex');
}

const stamp = path.join(root, '.next', 'drawbridge-source.sha256');
const fingerprint = sourceFingerprint();
const built =
  fs.existsSync(path.join(root, '.next', 'BUILD_ID')) &&
  fs.existsSync(stamp) &&
  fs.readFileSync(stamp, 'utf8') === fingerprint;
if (!built) {
  console.log('drawbridge: building the app (first start or sources changed)…');
  run(bin('next'), ['build']);
  fs.writeFileSync(stamp, fingerprint);
}

run(bin('tsx'), ['--conditions=react-server', 'prisma/seed.ts']);

const port = process.env.PORT || '3000';
console.log(`drawbridge: serving http://localhost:${port}`);
const server = spawn(bin('next'), ['start', '-p', port], { stdio: 'inherit', env: process.env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
server.on('exit', (code) => process.exit(code ?? 0));
