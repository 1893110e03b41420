// The `drawbridge admin` key commands in local mode, through the CLI's own main() in this process
// (a spawned binary per command cost 10-25 s each on the busy CI machine): rotate, list, retire,
// and the refusal to retire the key that signs, on a copy of a migrated embedded database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedDataDir, runCliInProcess, type CliRun } from './test-support';

let dir: string;
let dataDir: string;

const drawbridge = (args: string[]): Promise<CliRun> => runCliInProcess(args, { dataDir });
function ok(r: CliRun): CliRun {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}
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
  }, 120_000);
});
