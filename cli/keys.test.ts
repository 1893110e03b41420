// The `drawbridge admin` key commands in local mode, through the CLI's own main() in this process
// (a spawned binary per command cost 10-25 s each on the busy CI machine): rotate, list, retire,
// and the refusal to retire the key that signs, on a copy of a migrated embedded database; each
// change audited as the system actor.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedDataDir, ok, runCliInProcess, type CliRun } from './test-support';

let dir: string;
let dataDir: string;

const drawbridge = (args: string[]): Promise<CliRun> => runCliInProcess(args, { dataDir });
type Key = { id: string; generation: number; created_at: string; retired_at: string | null; signing: boolean };
const keys = async (): Promise<Key[]> => JSON.parse(ok(await drawbridge(['admin', 'list-keys', '--json'])).stdout).keys;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-cli-keys-'));
  dataDir = path.join(dir, 'data');
  await createMigratedDataDir(dataDir);
  delete process.env.DRAWBRIDGE_SECRET;
}, 120_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('drawbridge admin rotate-key / list-keys / retire-key', () => {
  it('rotates, lists without secrets, and retires only a key that no longer signs', async () => {
    const [first] = await keys();
    expect(first).toMatchObject({ generation: 1, signing: true, retired_at: null });

    const rotated = ok(await drawbridge(['admin', 'rotate-key']));
    expect(rotated.stdout).toMatch(/^(\S{8}) {2}generation 2 {2}created \S+ {2}signs new links\n$/);
    const listed = await keys();
    expect(listed.map((k) => [k.generation, k.signing, k.retired_at])).toEqual([
      [2, true, null],
      [1, false, null],
    ]);
    expect(JSON.stringify(listed)).not.toMatch(/secret/);

    const inUse = await drawbridge(['admin', 'retire-key', listed[0].id]);
    expect(inUse.code).not.toBe(0);
    expect(inUse.stderr).toMatch(/rotate-key" first.*\(key_in_use\)/);

    expect((await drawbridge(['admin', 'retire-key'])).code).toBe(2);
    // Ids are hex, so none reads as an option; one that begins with '-' is told to go after '--'.
    expect(listed.map((k) => k.id)).toEqual([
      expect.stringMatching(/^[0-9a-f]{8}$/),
      expect.stringMatching(/^[0-9a-f]{8}$/),
    ]);
    const dashed = await drawbridge(['admin', 'retire-key', '-bXYZ12']);
    expect([dashed.code, dashed.stderr]).toEqual([2, expect.stringContaining("goes after '--' (as in: -- -bXYZ12)")]);
    const afterDashes = await drawbridge(['admin', 'retire-key', '--', '-bXYZ12']);
    expect(afterDashes.code).not.toBe(0);
    expect(afterDashes.stderr).not.toMatch(/Unknown option/);
    expect(ok(await drawbridge(['admin', 'retire-key', first.id])).stdout).toMatch(
      new RegExp(`^${first.id} {2}generation 1 .* retired \\S+\\n$`),
    );

    // Audited as the system actor (an operator at the database), naming the keys, never a secret.
    const { openDatabase } = await import('../lib/db');
    const { db, close } = await openDatabase(
      { kind: 'pglite', dir: path.join(dataDir, 'pglite') },
      { migrationsDir: path.join(import.meta.dirname, '..', 'prisma', 'migrations') },
    );
    try {
      const events = await db.auditEvent.findMany({ where: { subjectType: 'signing_key' }, orderBy: { id: 'asc' } });
      expect(events.map((e) => [e.action, e.subjectId, e.actorId])).toEqual([
        ['signing_key.rotate', listed[0].id, null],
        ['signing_key.retire', first.id, null],
      ]);
      expect(events.every((e) => e.actorLabel.includes('system@drawbridge.local'))).toBe(true);
      const secrets = (await db.serverKey.findMany()).map((k) => k.secret);
      for (const secret of secrets) expect(JSON.stringify(events)).not.toContain(secret);
    } finally {
      await close();
    }
  }, 120_000);
});
