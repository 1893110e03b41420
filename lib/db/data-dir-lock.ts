/**
 * One opener per embedded data directory. PGlite takes no lock of its own, and two processes on
 * one directory both succeed until the next restart finds the database destroyed. So whoever opens
 * a PGlite directory first creates `<dir>.lock` (atomically: the record is written to a temporary
 * file and hard-linked into place, which fails if the lock exists) and holds it until it closes the
 * database or exits. A lock whose owner is gone (no such pid, or the pid now belongs to a process
 * that started at another time) is stale and taken over; any other is refused with the owner named.
 */
import 'server-only';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pidAlive } from '../pid-alive';

export type LockOwnerKind = 'server' | 'cli' | 'process';

/** What the lock file says about its owner (JSON, mode 0600). */
export type LockRecord = {
  pid: number;
  /** /proc/<pid>/stat starttime (clock ticks since boot): tells a reused pid from the owner. */
  startTime: string | null;
  bootId: string | null;
  hostname: string;
  kind: LockOwnerKind;
  /** Where a server owner answers (its REST API): the CLI goes through it instead of opening the directory. */
  url: string | null;
  /** The command line of a cli/process owner, for messages. */
  command: string | null;
  /** ISO time the lock was taken. */
  since: string;
  /** Identifies this holder: release removes the file only while it still holds this nonce. */
  nonce: string;
  /** A server's local-operator secret (see lib/auth/local-operator); never printed. */
  operatorSecret?: string;
};

/** Who this process is, for the lock it takes. A server sets it in instrumentation.ts, the CLI in main.ts. */
export type LockIdentity = {
  kind: LockOwnerKind;
  url?: string | null;
  command?: string | null;
  operatorSecret?: string;
};

export class DataDirLockedError extends Error {
  readonly code = 'data_dir_in_use';
  constructor(
    readonly dir: string,
    readonly lockFile: string,
    readonly owner: LockRecord,
  ) {
    super(`The embedded database at ${dir} is in use by ${describeOwner(owner)} since ${owner.since}.`);
    this.name = 'DataDirLockedError';
  }
}

/** A lock file that is not a lock record (hand-edited, or the disk filled mid-write). */
export class DataDirLockUnreadableError extends Error {
  readonly code = 'data_dir_lock_unreadable';
  constructor(readonly lockFile: string) {
    super(
      `The lock file ${lockFile} is not readable as a Drawbridge lock. If no Drawbridge server or command is running on this data directory, delete it and retry.`,
    );
    this.name = 'DataDirLockUnreadableError';
  }
}

export function describeOwner(o: Pick<LockRecord, 'kind' | 'pid' | 'url' | 'command' | 'hostname'>): string {
  const host = o.hostname !== os.hostname() ? ` on host ${o.hostname}` : '';
  if (o.kind === 'server') return `the Drawbridge server (pid ${o.pid}${o.url ? `, ${o.url}` : ''}${host})`;
  const what = o.kind === 'cli' ? 'a drawbridge command' : 'another process';
  return `${what} (pid ${o.pid}${host}${o.command ? `: ${o.command}` : ''})`;
}

type Process = { identity: LockIdentity; held: Map<string, string>; hooked: boolean };

// On globalThis: Next.js bundles instrumentation.ts and each route separately, one process.
const g = globalThis as unknown as { __drawbridgeLocks?: Process };
const state: Process = (g.__drawbridgeLocks ??= {
  identity: { kind: 'process', command: defaultCommand() },
  held: new Map(),
  hooked: false,
} as Process);

function defaultCommand(): string {
  const s = [path.basename(process.argv[1] ?? 'node'), ...process.argv.slice(2)].join(' ');
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}

export function setLockIdentity(identity: LockIdentity): void {
  state.identity = { ...identity, command: identity.command ?? (identity.kind === 'server' ? null : defaultCommand()) };
}

export function lockIdentity(): LockIdentity {
  return state.identity;
}

export function lockFileFor(dir: string): string {
  return `${path.resolve(dir).replace(/[\\/]+$/, '')}.lock`;
}

/** The start time of a process, as Linux records it; null where there is no /proc or no such pid. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function bootId(): string | null {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** Whether the owner a lock names is still running (and still the same process). */
export function ownerAlive(o: LockRecord): boolean {
  // Another machine's pid says nothing here (a shared volume): assume it is alive.
  if (o.hostname !== os.hostname()) return true;
  const boot = bootId();
  if (o.bootId && boot && o.bootId !== boot) return false;
  if (!pidAlive(o.pid)) return false;
  const now = processStartTime(o.pid);
  return !(o.startTime && now && now !== o.startTime);
}

function parseRecord(text: string): LockRecord | null {
  try {
    const r = JSON.parse(text) as LockRecord;
    return Number.isInteger(r.pid) && r.pid > 0 && typeof r.nonce === 'string' && typeof r.kind === 'string' ? r : null;
  } catch {
    return null;
  }
}

/** The lock record of `dir`, or null when nobody holds it (no file, or a stale one). */
export function readLiveOwner(dir: string): LockRecord | null {
  let text: string;
  try {
    text = fs.readFileSync(lockFileFor(dir), 'utf8');
  } catch {
    return null;
  }
  const r = parseRecord(text);
  if (!r) throw new DataDirLockUnreadableError(lockFileFor(dir));
  return ownerAlive(r) ? r : null;
}

export type HeldLock = { file: string; record: LockRecord; release(): void };

/**
 * Takes the lock on `dir` for this process, or throws DataDirLockedError naming the live owner
 * (this process too: a second open of the same directory in one process is refused as well).
 */
export function acquireDataDirLock(dir: string): HeldLock {
  const file = lockFileFor(dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const id = state.identity;
  const record: LockRecord = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    bootId: bootId(),
    hostname: os.hostname(),
    kind: id.kind,
    url: id.url ?? null,
    command: id.command ?? null,
    since: new Date().toISOString(),
    nonce: crypto.randomBytes(12).toString('hex'),
    ...(id.operatorSecret ? { operatorSecret: id.operatorSecret } : {}),
  };
  const tmp = `${file}.${process.pid}.${record.nonce}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(tmp, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 4) throw e;
      }
      const existing = readRecord(file);
      if (existing === undefined) continue; // released between our link and our read
      if (existing === null) throw new DataDirLockUnreadableError(file);
      if (ownerAlive(existing)) throw new DataDirLockedError(path.resolve(dir), file, existing);
      takeOverStale(file, existing);
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  state.held.set(file, record.nonce);
  hookExit();
  return { file, record, release: () => releaseFile(file, record.nonce) };
}

/** undefined: no file; null: not a lock record. */
function readRecord(file: string): LockRecord | null | undefined {
  try {
    return parseRecord(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Removes a stale lock without removing a fresh one another contender just took: rename it aside
 * (atomic), then check it is the stale record we judged; if it is someone's new lock, put it back.
 */
function takeOverStale(file: string, stale: LockRecord): void {
  const aside = `${file}.stale-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = readRecord(aside);
  if (moved && moved.nonce !== stale.nonce) {
    try {
      fs.linkSync(aside, file);
    } catch {
      /* yet another holder appeared: the retry reads and names it */
    }
  }
  fs.rmSync(aside, { force: true });
}

function releaseFile(file: string, nonce: string): void {
  if (state.held.get(file) !== nonce) return;
  state.held.delete(file);
  try {
    if (readRecord(file)?.nonce === nonce) fs.rmSync(file, { force: true });
  } catch {
    /* exiting anyway: a leftover lock of a dead pid is stale and taken over */
  }
}

function releaseAll(): void {
  for (const [file, nonce] of [...state.held]) releaseFile(file, nonce);
}

/**
 * Locks go with the process: on exit, and on SIGINT/SIGTERM/SIGHUP when nothing else handles the
 * signal (Next.js handles them itself and exits, which runs the exit hook).
 */
function hookExit(): void {
  if (state.hooked) return;
  state.hooked = true;
  process.on('exit', releaseAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      if (process.listenerCount(sig) > 1) return;
      releaseAll();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}
