// The `drawbridge` users commands, end to end in local mode on a fresh, unseeded (migrated, empty)
// embedded database in a temporary DRAWBRIDGE_DATA_DIR. Tests share the data directory and run in
// order. The help and the first usage error (exit 2) run the real binary; the rest run the CLI's
// main() in this process (50 spawned commands cost ~60 s of the suite, most of it node and bundle
// start-up).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedDataDir, ok, runCli, runCliInProcess, type CliRun } from './test-support';

const root = path.join(import.meta.dirname, '..');

let dir: string;
let dataDir: string;

type Run = CliRun;

const drawbridge = (args: string[], stdin?: string): Promise<Run> => runCliInProcess(args, { dataDir, stdin });
const binary = (args: string[]): Promise<Run> => runCli(args, { cwd: dir, dataDir });

type UserJson = {
  email: string;
  name: string;
  role: string;
  status: string;
  created_at: string;
  disabled_at: string | null;
};
async function users(): Promise<UserJson[]> {
  return JSON.parse(ok(await drawbridge(['users', 'list', '--json'])).stdout).users;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-cli-users-'));
  dataDir = path.join(dir, 'data');
  await createMigratedDataDir(dataDir);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('drawbridge users (local mode)', () => {
  let adminPassword: string;

  it('has help; usage errors exit 2; refuses --server and --as', async () => {
    const help = ok(await binary(['--help']));
    for (const c of [
      'users create',
      'users list',
      'users set-role',
      'users disable',
      'users enable',
      'users reset-password',
    ])
      expect(help.stdout).toContain(`  ${c}`);
    const createHelp = ok(await binary(['users', 'create', '--help']));
    expect(createHelp.stdout).toMatch(
      /^Usage: drawbridge users create --email E --name N --role R \[--password-stdin\]/,
    );
    expect(createHelp.stdout).toContain('does not take --server');
    expect(ok(await binary(['users', '--help'])).stdout).toContain('users reset-password EMAIL');

    const noRole = await binary(['users', 'create', '--email', 'a@example.org', '--name', 'A']);
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toContain('users create needs --role');
    const badRole = await drawbridge(['users', 'create', '--email', 'a@example.org', '--name', 'A', '--role', 'owner']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role must be one of: viewer, reviewer, deployer, admin');
    const badSetRole = await drawbridge(['users', 'set-role', 'a@example.org', 'root']);
    expect(badSetRole.code).toBe(2);
    expect((await drawbridge(['users', 'set-role', 'a@example.org'])).code).toBe(2);
    expect((await drawbridge(['users', 'disable'])).code).toBe(2);
    expect((await drawbridge(['users', 'disable', 'a@example.org', 'b@example.org'])).code).toBe(2);
    expect((await drawbridge(['users', 'list', '--password-stdin'])).code).toBe(2);
    const server = await drawbridge(['users', 'list', '--server', 'http://localhost:3000', '--token', 'dbt_x']);
    expect(server.code).toBe(2);
    expect(server.stderr).toContain('it does not take --server');
    const as = await drawbridge(['users', 'list', '--as', 'admin@example.org']);
    expect(as.code).toBe(2);
    expect(as.stderr).toContain('does not take --as');
  });

  it('creates the first admin on an empty database, without seeding; the password is printed once', async () => {
    expect(await users()).toEqual([]);
    const r = ok(
      await drawbridge(['users', 'create', '--email', 'Ada@Example.org', '--name', 'Ada Lovelace', '--role', 'admin']),
    );
    adminPassword = r.stdout.trim();
    expect(adminPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(r.stdout).toBe(`${adminPassword}\n`);
    expect(r.stderr).toContain('created ada@example.org (admin)');
    expect(await users()).toMatchObject([
      { email: 'ada@example.org', name: 'Ada Lovelace', role: 'admin', status: 'active', disabled_at: null },
    ]);
    // The new admin is the one local commands act as now.
    const jobs = ok(await drawbridge(['jobs', 'list', '--as', 'ada@example.org']));
    expect(jobs.stderr).toContain('acting as ada@example.org (admin)');
  });

  it('takes a chosen password on stdin (at least 12 characters) and refuses duplicates', async () => {
    const short = await drawbridge(
      ['users', 'create', '--email', 'bob@example.org', '--name', 'Bob', '--role', 'reviewer', '--password-stdin'],
      'too-short\n',
    );
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/drawbridge: Passwords are at least 12 characters\. \(invalid_request\)/);
    const r = ok(
      await drawbridge(
        [
          'users',
          'create',
          '--email',
          'bob@example.org',
          '--name',
          'Bob Builder',
          '--role',
          'reviewer',
          '--password-stdin',
        ],
        'bob-long-password\n',
      ),
    );
    expect(r.stdout).toBe('created bob@example.org (reviewer)\n');
    const dup = await drawbridge([
      'users',
      'create',
      '--email',
      'BOB@example.org',
      '--name',
      'Bob Again',
      '--role',
      'viewer',
    ]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('drawbridge: A user with email bob@example.org already exists. (conflict)');
    expect(dup.stdout).toBe('');
    const bad = await drawbridge(['users', 'create', '--email', 'not-an-email', '--name', 'X', '--role', 'viewer']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('(invalid_request)');
  });

  it('lists users as a table', async () => {
    const r = ok(await drawbridge(['users', 'list']));
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^EMAIL\s+NAME\s+ROLE\s+STATUS\s+CREATED$/);
    expect(lines[1]).toMatch(/^ada@example\.org\s+Ada Lovelace\s+admin\s+active\s+\d{4}-\d\d-\d\d$/);
    expect(lines[2]).toMatch(/^bob@example\.org\s+Bob Builder\s+reviewer\s+active/);
    expect(lines.at(-1)).toBe('2 users');
  });

  it('changes roles; the last active admin cannot be demoted', async () => {
    expect(ok(await drawbridge(['users', 'set-role', 'BOB@example.org', 'deployer'])).stdout).toBe(
      'bob@example.org: reviewer → deployer\n',
    );
    expect(ok(await drawbridge(['users', 'set-role', 'bob@example.org', 'deployer'])).stdout).toContain(
      'already deployer',
    );
    const last = await drawbridge(['users', 'set-role', 'ada@example.org', 'viewer']);
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/ada@example\.org is the last active admin.*\(conflict\)/);
    const unknown = await drawbridge(['users', 'set-role', 'nobody@example.org', 'viewer']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No user with email nobody@example.org (not_found)');
    expect((await users()).map((u) => [u.email, u.role])).toEqual([
      ['ada@example.org', 'admin'],
      ['bob@example.org', 'deployer'],
    ]);
  });

  it('disables and enables; the last active admin cannot be disabled', async () => {
    const last = await drawbridge(['users', 'disable', 'ada@example.org']);
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/last active admin.*\(conflict\)/);

    // A token of bob's, to see it revoked.
    const token = ok(
      await drawbridge(['tokens', 'create', '--email', 'bob@example.org', '--name', 'ci']),
    ).stdout.trim();
    expect(token).toMatch(/^dbt_/);
    expect(ok(await drawbridge(['users', 'disable', 'bob@example.org'])).stdout).toBe(
      'disabled bob@example.org; ended 0 sessions, revoked 1 API token\n',
    );
    expect(ok(await drawbridge(['users', 'disable', 'bob@example.org'])).stdout).toContain('already disabled');
    expect((await users()).find((u) => u.email === 'bob@example.org')).toMatchObject({
      status: 'disabled',
      disabled_at: expect.any(String),
    });
    const asBob = await drawbridge(['jobs', 'list', '--as', 'bob@example.org']);
    expect(asBob.code).toBe(2);
    expect(asBob.stderr).toContain('user bob@example.org is disabled');
    expect(ok(await drawbridge(['users', 'list'])).stdout).toMatch(
      /bob@example\.org\s+Bob Builder\s+deployer\s+disabled/,
    );

    expect(ok(await drawbridge(['users', 'enable', 'bob@example.org'])).stdout).toBe('enabled bob@example.org\n');
    expect(ok(await drawbridge(['users', 'enable', 'bob@example.org'])).stdout).toContain('already active');

    // With a second admin, the first may be demoted; then the second is the last one.
    ok(await drawbridge(['users', 'set-role', 'bob@example.org', 'admin']));
    ok(await drawbridge(['users', 'set-role', 'ada@example.org', 'reviewer']));
    expect((await drawbridge(['users', 'disable', 'bob@example.org'])).code).toBe(1);
    ok(await drawbridge(['users', 'set-role', 'ada@example.org', 'admin']));
  });

  it('resets a password: a new one printed once; audited without it', async () => {
    const r = ok(await drawbridge(['users', 'reset-password', 'ada@example.org']));
    const fresh = r.stdout.trim();
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(fresh).not.toBe(adminPassword);
    expect(r.stderr).toContain('new password for ada@example.org, shown once');
    expect((await drawbridge(['users', 'reset-password', 'nobody@example.org'])).code).toBe(1);

    // The audit trail, read from the database: every change, attributed to the system, no passwords.
    const { openDatabase } = await import('../lib/db');
    const { db, close } = await openDatabase(
      { kind: 'pglite', dir: path.join(dataDir, 'pglite') },
      { migrationsDir: path.join(root, 'prisma', 'migrations') },
    );
    try {
      const events = await db.auditEvent.findMany({ where: { subjectType: 'user' }, orderBy: { id: 'asc' } });
      expect(events.map((e) => e.action)).toEqual([
        'user.create',
        'user.create',
        'user.role',
        'user.disable',
        'user.enable',
        'user.role',
        'user.role',
        'user.role',
        'user.password_reset',
      ]);
      expect(events.every((e) => e.actorId === null && e.actorLabel.includes('system@drawbridge.local'))).toBe(true);
      const text = JSON.stringify(events);
      for (const secret of [adminPassword, fresh, 'bob-long-password']) expect(text).not.toContain(secret);
    } finally {
      await close();
    }
  });
});
