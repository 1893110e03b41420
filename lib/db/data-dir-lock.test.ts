// The data-directory lock against real processes: live, dead and reused pids, a second opener in
// this process, release on close (real PGlite), on normal exit and on SIGTERM of a real child.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireDataDirLock,
  DataDirLockedError,
  DataDirLockUnreadableError,
  lockFileFor,
  processStartTime,
  readLiveOwner,
  setLockIdentity,
  type LockRecord,
} from './data-dir-lock';
import { openDatabase } from './index';

const root = path.join(import.meta.dirname, '..', '..');
let tmp: string;
let n = 0;
const freshDir = () => path.join(tmp, `db-${++n}`, 'pglite');

function plantLock(dir: string, r: Partial<LockRecord>): void {
  const record: LockRecord = {
    pid: 1,
    startTime: null,
    bootId: null,
    hostname: os.hostname(),
    kind: 'server',
    url: 'http://127.0.0.1:39999',
    command: null,
    since: '2026-01-01T00:00:00.000Z',
    nonce: 'planted',
    ...r,
  };
  fs.mkdirSync(path.dirname(lockFileFor(dir)), { recursive: true });
  fs.writeFileSync(lockFileFor(dir), JSON.stringify(record));
}

const lockOf = (dir: string) => JSON.parse(fs.readFileSync(lockFileFor(dir), 'utf8')) as LockRecord;

function waitForExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-lock-'));
  setLockIdentity({ kind: 'cli', command: 'drawbridge test' });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('data directory lock', () => {
  it('is created with the owner and refuses a second opener in this process, naming it; release removes it', () => {
    const dir = freshDir();
    const lock = acquireDataDirLock(dir);
    const rec = lockOf(dir);
    expect(rec).toMatchObject({ pid: process.pid, kind: 'cli', command: 'drawbridge test', hostname: os.hostname() });
    expect(rec.startTime).toBe(processStartTime(process.pid));
    expect(rec.startTime).toMatch(/^\d+$/);
    expect(fs.statSync(lockFileFor(dir)).mode & 0o777).toBe(0o600);
    let err: unknown;
    try {
      acquireDataDirLock(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as DataDirLockedError).code).toBe('data_dir_in_use');
    expect((err as Error).message).toBe(
      `The embedded database at ${dir} is in use by a drawbridge command (pid ${process.pid}: drawbridge test) since ${rec.since}.`,
    );
    lock.release();
    expect(fs.existsSync(lockFileFor(dir))).toBe(false);
    // And it can be taken again; no temporary files are left beside it.
    acquireDataDirLock(dir).release();
    expect(fs.readdirSync(path.dirname(dir))).toEqual([]);
  });

  it('takes over the lock of a pid that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid!;
    await waitForExit(child);
    const dir = freshDir();
    plantLock(dir, { pid });
    expect(readLiveOwner(dir)).toBeNull();
    const lock = acquireDataDirLock(dir);
    expect(lockOf(dir).pid).toBe(process.pid);
    lock.release();
  });

  it('refuses while the owning process lives, and takes over once its pid belongs to another process (start time differs)', async () => {
    const child = spawn('sleep', ['30']);
    try {
      const dir = freshDir();
      const startTime = processStartTime(child.pid!);
      expect(startTime).toMatch(/^\d+$/);
      plantLock(dir, { pid: child.pid!, startTime, kind: 'server', url: 'http://127.0.0.1:3999' });
      expect(() => acquireDataDirLock(dir)).toThrow(
        `is in use by the Drawbridge server (pid ${child.pid}, http://127.0.0.1:3999) since 2026-01-01T00:00:00.000Z`,
      );
      expect(readLiveOwner(dir)?.pid).toBe(child.pid);
      // The same pid with another start time: the owner died and the pid was reused.
      plantLock(dir, { pid: child.pid!, startTime: String(Number(startTime) - 1) });
      expect(readLiveOwner(dir)).toBeNull();
      const lock = acquireDataDirLock(dir);
      expect(lockOf(dir).nonce).not.toBe('planted');
      lock.release();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses a lock file that is not a lock record, saying what to do', () => {
    const dir = freshDir();
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(lockFileFor(dir), 'not json');
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockUnreadableError);
    expect(() => acquireDataDirLock(dir)).toThrow(/delete it and retry/);
  });

  it('release leaves a lock that is no longer its own', () => {
    const dir = freshDir();
    const lock = acquireDataDirLock(dir);
    fs.rmSync(lockFileFor(dir));
    plantLock(dir, { pid: process.pid, nonce: 'someone-else' });
    lock.release();
    expect(lockOf(dir).nonce).toBe('someone-else');
  });

  it('real PGlite: held while open, a second open is refused, released on close', async () => {
    const dir = freshDir();
    const migrationsDir = path.join(root, 'prisma', 'migrations');
    const first = await openDatabase({ kind: 'pglite', dir }, { migrationsDir });
    try {
      expect(lockOf(dir).pid).toBe(process.pid);
      await expect(openDatabase({ kind: 'pglite', dir }, { migrationsDir })).rejects.toThrow(DataDirLockedError);
      expect(await first.db.user.count()).toBe(0); // the first opener is unharmed
    } finally {
      await first.close();
    }
    expect(fs.existsSync(lockFileFor(dir))).toBe(false);
    const again = await openDatabase({ kind: 'pglite', dir }, { migrationsDir });
    await again.close();
  }, 60_000);

  it('a child process releases on normal exit and on SIGTERM; SIGKILL leaves a stale lock that is taken over', async () => {
    const script = (dir: string, then: string) =>
      `import { acquireDataDirLock } from ${JSON.stringify(path.join(import.meta.dirname, 'data-dir-lock.ts'))};` +
      `acquireDataDirLock(${JSON.stringify(dir)}); console.log('held'); ${then}`;
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

    const exitDir = freshDir();
    const r = spawnSync(tsx, ['--conditions=react-server', '-e', script(exitDir, '')], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('held');
    expect(r.status).toBe(0);
    expect(fs.existsSync(lockFileFor(exitDir))).toBe(false);

    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const dir = freshDir();
      const child = spawn(tsx, ['--conditions=react-server', '-e', script(dir, 'setInterval(() => {}, 1000);')], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      const owner = lockOf(dir).pid;
      expect(owner).not.toBe(process.pid);
      // tsx runs the script in a child of its own; signal that process, as a user's kill would.
      process.kill(owner, signal);
      await waitForExit(child);
      if (signal === 'SIGTERM') expect(fs.existsSync(lockFileFor(dir))).toBe(false);
      else {
        expect(lockOf(dir).pid).toBe(owner);
        expect(readLiveOwner(dir)).toBeNull();
        acquireDataDirLock(dir).release();
      }
    }
  }, 60_000);
});
