/**
 * Backup → restore with the `drawbridge` CLI, on PGlite and PostgreSQL: a registry where
 * every table has rows is backed up and restored into an empty target; the restore must hold the
 * same rows and the same bytes, hand out fresh ids, and keep the database's own invariants; a
 * damaged archive must be refused with what is wrong, leaving the target empty. The commands run the
 * CLI's main() in this process; the second restore, which runs while the test reads the target, is
 * the real binary (a process of its own, as an operator's would be).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../../cli/test-support';
import { testTargets, type TestTarget } from '../db/test-databases';
import { recordAudit, SYSTEM_ACTOR } from '../registry/audit';
import { DATABASE_NAME, MANIFEST_NAME } from './manifest';
import { restoreBackup } from './restore';
import { padding, TAR_END, tarHeader } from './tar';
import {
  MIGRATIONS,
  TABLE_COUNT,
  newPlace,
  openPlace,
  populate,
  storeObjects,
  tableRows,
  tarEntries,
  tempRoot,
  type Place,
} from './test-fixture';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const cli = (args: string[], p: Place) =>
  runCliInProcess(args, { cwd: ROOT, dataDir: p.dataDir, databaseUrl: p.databaseUrl });
const binary = (args: string[], p: Place) =>
  runCli(args, { cwd: ROOT, dataDir: p.dataDir, databaseUrl: p.databaseUrl });

/** Nothing at the place: no data directory (or no artifacts in it), no tables in its database. */
async function expectEmpty(p: Place, root: string) {
  if (p.target === 'pglite') expect(fs.existsSync(p.dataDir)).toBe(false);
  else {
    expect(fs.existsSync(path.join(p.dataDir, 'artifacts'))).toBe(false);
    const c = new pg.Client({ connectionString: p.databaseUrl });
    await c.connect();
    const { rows } = await c.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema()`,
    );
    await c.end();
    expect(rows[0].n).toBe(0);
  }
  // No staging directory left behind either.
  expect(fs.readdirSync(root).filter((n) => n.includes('.restore-'))).toEqual([]);
  if (fs.existsSync(p.dataDir)) expect(fs.readdirSync(p.dataDir).filter((n) => n.includes('.restore-'))).toEqual([]);
}

describe.each(testTargets())('backup and restore on %s', (target: TestTarget) => {
  let root: string;
  let source: Place;
  let archive: string;
  let sourceRows: Record<string, string[]>;
  const places: Place[] = [];
  const place = async (name: string) => {
    const p = await newPlace(target, root, name);
    places.push(p);
    return p;
  };

  beforeAll(async () => {
    root = tempRoot();
    source = await place('source');
    await populate(source);
    archive = path.join(root, 'registry.tar');
    const b = await cli(['backup', '--out', archive], source);
    expect(b.stderr + b.stdout).toMatch(
      new RegExp(
        `backup written to .*registry\\.tar: \\d+ rows in ${TABLE_COUNT} tables, \\d+ artifacts .*sha256 [0-9a-f]{64}`,
      ),
    );
    expect(b.code).toBe(0);
    const o = await openPlace(source);
    sourceRows = await tableRows(o.db);
    await o.close();
  }, 300_000);

  afterAll(async () => {
    for (const p of places) await p.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('restores the same rows and the same bytes; new rows get fresh ids; the invariants still hold', async () => {
    // Every table takes part: an empty table would prove nothing about its order or types.
    expect(Object.keys(sourceRows)).toHaveLength(TABLE_COUNT);
    for (const [t, rows] of Object.entries(sourceRows)) expect(rows.length, t).toBeGreaterThan(0);

    const dest = await place('restored');
    const r = await cli(['restore', archive], dest);
    expect(r.stderr + r.stdout).toMatch(
      new RegExp(`restored \\d+ rows in ${TABLE_COUNT} tables and \\d+ artifacts .* every artifact verified`),
    );
    expect(r.code).toBe(0);

    // A second restore onto it is refused: it is no longer empty (checked while we read it).
    const again = binary(['restore', archive], dest);
    const o = await openPlace(dest);
    try {
      expect(await tableRows(o.db)).toEqual(sourceRows);

      const restored = storeObjects(dest.dataDir);
      const catalogued = await o.db.artifact.findMany({ select: { sha256: true, sizeBytes: true } });
      expect(catalogued.length).toBeGreaterThan(0);
      expect([...restored.keys()].sort()).toEqual(catalogued.map((a) => a.sha256).sort());
      for (const a of catalogued)
        expect(restored.get(a.sha256)).toEqual({ sha256: a.sha256, bytes: Number(a.sizeBytes) });
      expect(restored).toEqual(storeObjects(source.dataDir));

      // Ids continue where the source's sequences stood (past every restored id), never reused.
      const entries = tarEntries(fs.readFileSync(archive));
      const me = entries.find((e) => e.name === MANIFEST_NAME)!;
      const manifest = JSON.parse(
        fs
          .readFileSync(archive)
          .subarray(me.offset, me.offset + me.size)
          .toString('utf8'),
      );
      const next = (seq: string) => manifest.sequences.find((s: { name: string }) => s.name === seq).next as number;
      const maxJob = Math.max(...sourceRows.TrainingJob.map((j) => JSON.parse(j).id as number));
      const job = await o.db.trainingJob.create({ data: { jobName: 'after-restore' } });
      expect(job.id).toBeGreaterThan(maxJob);
      expect(job.id).toBe(next('TrainingJob_id_seq'));
      const maxAudit = Math.max(...sourceRows.AuditEvent.map((j) => JSON.parse(j).id as number));
      await recordAudit(o.db, SYSTEM_ACTOR, { action: 'test.after_restore', subjectType: 'test', subjectId: 1 });
      const audit = await o.db.auditEvent.findFirstOrThrow({ where: { action: 'test.after_restore' } });
      expect(audit.id).toBeGreaterThan(maxAudit);
      expect(audit.id).toBe(next('AuditEvent_id_seq'));
      expect(sourceRows.AuditEvent.filter((a) => JSON.parse(a).action === 'backup.create')).toHaveLength(1);

      const request = await o.db.deploymentRequest.findFirstOrThrow({ where: { state: 'deployed' } });
      await expect(
        o.db.review.create({
          data: {
            requestId: request.id,
            reviewerId: request.requesterId,
            decision: 'approve',
            artifactSha256: request.artifactSha256,
          },
        }),
      ).rejects.toThrow(/cannot review/);
      const active = await o.db.ageGroupModel.findFirstOrThrow({ where: { isActive: true } });
      const { id: _id, replacedId: _r, parameters, ...copy } = active;
      await expect(o.db.ageGroupModel.create({ data: { ...copy, parameters: parameters as object } })).rejects.toThrow(
        /Unique constraint|unique/i,
      );
      expect(
        await o.db.ageGroupModel.count({ where: { isActive: true, ageMin: active.ageMin, ageMax: active.ageMax } }),
      ).toBe(1);
    } finally {
      await o.close();
    }

    const refused = await again;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is not empty .*\(backup_target_not_empty\)/);
  });

  it('refuses a flipped byte, a truncated archive and an edited manifest, and leaves the target empty', async () => {
    const buf = fs.readFileSync(archive);
    const entries = tarEntries(buf);
    const art = entries.find((e) => e.name.startsWith('artifacts/') && e.size > 4096)!;
    const flipped = Buffer.from(buf);
    flipped[art.offset + Math.floor(art.size / 2)] ^= 0x01;
    const truncated = buf.subarray(0, art.offset + 1000);
    const manifestEntry = entries.find((e) => e.name === MANIFEST_NAME)!;
    const manifestText = buf.subarray(manifestEntry.offset, manifestEntry.offset + manifestEntry.size).toString('utf8');
    const users = JSON.parse(manifestText).database.tables.find((t: { name: string }) => t.name === 'User')
      .rows as number;
    expect(users).toBeLessThan(9); // one digit, so the edit keeps the entry's size
    const edited = Buffer.from(buf);
    edited.write(
      manifestText.replace(/("name": "User",\s*"rows": )\d/, `$1${users + 1}`),
      manifestEntry.offset,
      'utf8',
    );

    const cases: [string, Buffer, RegExp][] = [
      [
        'flipped',
        flipped,
        new RegExp(`artifact ${art.name.slice(10)} does not match its manifest .*\\(backup_corrupt\\)`),
      ],
      ['truncated', truncated, new RegExp(`incomplete \\(it ends inside "${art.name}"\\).*\\(backup_truncated\\)`)],
      [
        'edited',
        edited,
        new RegExp(`holds ${users} User rows but its manifest says ${users + 1}.*\\(backup_corrupt\\)`),
      ],
    ];
    // One after another (in-process commands share this process); each has its own target.
    for (const [name, bytes, message] of cases) {
      const file = path.join(root, `${name}.tar`);
      fs.writeFileSync(file, bytes);
      const dest = await place(`refused-${name}`);
      const r = await cli(['restore', file], dest);
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      await expectEmpty(dest, root);
    }
  });

  it('rolls back a consistently hashed dump that breaks an invariant (a self-review), leaving the target empty', async () => {
    const buf = fs.readFileSync(archive);
    const entries = tarEntries(buf);
    const slice = (name: string) => {
      const e = entries.find((x) => x.name === name)!;
      return buf.subarray(e.offset, e.offset + e.size).toString('utf8');
    };
    const manifest = JSON.parse(slice(MANIFEST_NAME));
    const lines = slice(DATABASE_NAME).split('\n');
    const requests = new Map(
      lines
        .filter((l) => l.startsWith('{"table":"DeploymentRequest"'))
        .map((l) => [JSON.parse(l).row.id, JSON.parse(l).row]),
    );
    const at = lines.findIndex((l) => l.startsWith('{"table":"Review"'));
    const review = JSON.parse(lines[at]);
    review.row.reviewerId = requests.get(review.row.requestId).requesterId;
    lines[at] = JSON.stringify(review);
    const dump = Buffer.from(lines.join('\n'), 'utf8');
    manifest.database.bytes = dump.length;
    manifest.database.sha256 = crypto.createHash('sha256').update(dump).digest('hex');
    const m = Buffer.from(JSON.stringify(manifest), 'utf8');
    const rest = entries.filter((e) => e.name.startsWith('artifacts/'));
    const tampered = Buffer.concat([
      tarHeader(MANIFEST_NAME, m.length),
      m,
      padding(m.length),
      tarHeader(DATABASE_NAME, dump.length),
      dump,
      padding(dump.length),
      ...rest.map((e) => buf.subarray(e.headerOffset, e.offset + e.size + padding(e.size).length)),
      TAR_END,
    ]);
    const dest = await place('refused-self-review');
    const t = dest.databaseUrl
      ? { kind: 'postgres' as const, url: dest.databaseUrl, dataDir: dest.dataDir }
      : { kind: 'pglite' as const, dataDir: dest.dataDir };
    await expect(
      restoreBackup(
        (async function* () {
          yield tampered;
        })(),
        t,
        { migrationsDir: MIGRATIONS },
      ),
    ).rejects.toMatchObject({
      code: 'backup_corrupt',
      message: expect.stringMatching(/rows for table Review do not fit the database \(.*cannot review it\)/),
    });
    await expectEmpty(dest, root);
  });
});
