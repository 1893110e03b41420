/**
 * The Prisma CLI runs on this repository as `npm install` (postinstall: `prisma generate`) and the
 * README (`npx prisma migrate deploy`) run it: it loads prisma.config.ts, which must not evaluate
 * a `server-only` module on load (a clean install failed exactly so), and opens the same embedded
 * database the app would, under the directory lock.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const PRISMA = path.join(ROOT, 'node_modules', '.bin', 'prisma');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-prisma-cli-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function prisma(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DRAWBRIDGE_DATA_DIR: dataDir, NODE_OPTIONS: '' };
  delete env.DATABASE_URL;
  const { stdout, stderr } = await promisify(execFile)(PRISMA, args, { cwd: ROOT, env, timeout: 60_000 });
  return stdout + stderr;
}

describe('the Prisma CLI on this repository', () => {
  it('loads prisma.config.ts without opening a database (what postinstall needs)', async () => {
    expect(await prisma('validate')).toContain('is valid');
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('migrate deploy opens the embedded database and applies every migration', async () => {
    const migrations = fs.readdirSync(path.join(ROOT, 'prisma', 'migrations')).filter((m) => /^\d/.test(m));
    const out = await prisma('migrate', 'deploy');
    expect(out).toContain(`${migrations.length} migrations found`);
    expect(out).toContain('All migrations have been successfully applied');
  }, 120_000);
});
