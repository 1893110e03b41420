// A throwaway PostgreSQL cluster for the integration tests: initdb into a temp dir, start on a free
// port over a Unix socket and 127.0.0.1, trust auth. Runs as the `postgres` user when we are root
// (initdb refuses root). Returns null, with the reason, when no PostgreSQL is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function findBin(name) {
  const dirs = [...(process.env.PATH ?? '').split(':')];
  const pgRoot = '/usr/lib/postgresql';
  if (fs.existsSync(pgRoot)) {
    for (const v of fs.readdirSync(pgRoot).sort((a, b) => Number(b) - Number(a)))
      dirs.push(path.join(pgRoot, v, 'bin'));
  }
  for (const d of dirs) {
    const p = path.join(d, name);
    if (d && fs.existsSync(p)) return p;
  }
  return null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function startPgCluster() {
  const initdb = findBin('initdb');
  const pgCtl = findBin('pg_ctl');
  if (!initdb || !pgCtl) return { skipped: 'no initdb/pg_ctl found (install the postgresql package)' };
  const asRoot = process.getuid?.() === 0;
  let runAs = [];
  if (asRoot) {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
    } catch {
      return { skipped: 'running as root and there is no postgres user to run initdb as' };
    }
    runAs = ['runuser', '-u', 'postgres', '--'];
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-pg-'));
  fs.chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const exec = (bin, args) => {
    const [cmd, ...rest] = [...runAs, bin, ...args];
    const r = spawnSync(cmd, rest, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  };
  exec(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  exec(pgCtl, [
    '-D',
    data,
    '-l',
    path.join(dir, 'log'),
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    'start',
  ]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        exec(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
