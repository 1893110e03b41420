import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTargets } from '../db/test-databases';
import type { StoredObject } from '../storage/types';
import {
  ARTIFACT_REFERENCES,
  collectGarbage,
  referencedHashes,
  referencesTo,
  sweepOrphansOnStartup,
  withArtifactCleanup,
} from './artifact-gc';
import { catalogueArtifact } from './artifacts';
import { SYSTEM_ACTOR } from './audit';
import { openTestRegistry } from './test-registry';

const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

it('knows every column of the schema that holds a SHA-256', () => {
  const schema = fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'prisma', 'schema.prisma'), 'utf8');
  const columns: string[] = [];
  let model = '';
  for (const line of schema.split('\n')) {
    const m = /^model (\w+) \{/.exec(line);
    if (m) model = m[1];
    const f = /^\s+(\w+)\s+String\??\s.*@db\.Char\(64\)/.exec(line);
    if (f) columns.push(`${model}.${f[1]}`);
  }
  // The audit hash chain's SHA-256s name audit events, never stored objects.
  const NOT_ARTIFACTS = new Set(['AuditEvent.prevHash', 'AuditEvent.hash', 'AuditChainHead.lastHash']);
  const artifactColumns = columns.filter((c) => !NOT_ARTIFACTS.has(c));
  expect(artifactColumns.length).toBeGreaterThanOrEqual(11);
  expect(ARTIFACT_REFERENCES.map(([t, c]) => `${t}.${c}`).sort()).toEqual(artifactColumns.sort());
});

describe.each(testTargets())('artifact gc on %s', (target) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  beforeAll(async () => {
    r = await openTestRegistry(target);
  });
  afterAll(() => r?.cleanup());

  const objects = async () => {
    const all: StoredObject[] = [];
    for await (const o of r.store.list()) all.push(o);
    return all;
  };
  const age = (sha256: string, minutes: number) => {
    const file = path.join(r.storeDir, 'objects', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    const t = new Date(Date.now() - minutes * 60_000);
    fs.utimesSync(file, t, t);
  };

  it('the seeded store holds exactly what rows reference', async () => {
    const refs = await referencedHashes(r.db);
    expect(refs.size).toBeGreaterThanOrEqual(2 * r.jobs.length);
    expect(new Set((await objects()).map((o) => o.sha256))).toEqual(refs);
    const ckpt = r.jobs[0].checkpointSha256!;
    expect(await referencesTo(r.db, ckpt)).toEqual(
      expect.arrayContaining(['Artifact.sha256', 'TrainingJob.checkpointSha256']),
    );
    expect(await referencesTo(r.db, 'f'.repeat(64))).toEqual([]);
  });

  it('a failed scope removes its bytes and the catalogue row it made; bytes a row references stay', async () => {
    const fresh = crypto.randomBytes(5000);
    const referenced = await r.store.get(r.jobs[0].checkpointSha256!);
    await expect(
      withArtifactCleanup(r.db, r.store, async (store) => {
        const a = await store.put(fresh);
        await catalogueArtifact(r.db, r.actor('reviewer'), { ...a, mediaType: 'application/octet-stream' });
        await store.put(referenced); // same bytes as a registered job's checkpoint (deduped)
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await r.store.has(sha(fresh))).toBe(false);
    expect(await r.db.artifact.findUnique({ where: { sha256: sha(fresh) } })).toBeNull();
    expect(await r.store.has(r.jobs[0].checkpointSha256!)).toBe(true);
  });

  it('on a store other servers share, a failed scope drops its catalogue row but leaves the bytes to the sweep', async () => {
    // Another server may be between storing these bytes and recording them: this process cannot know.
    const shared = Object.assign(Object.create(r.store) as typeof r.store, { shared: true });
    const fresh = crypto.randomBytes(6000);
    await expect(
      withArtifactCleanup(r.db, shared, async (store) => {
        const a = await store.put(fresh);
        await catalogueArtifact(r.db, r.actor('reviewer'), { ...a, mediaType: 'application/octet-stream' });
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await r.store.has(sha(fresh))).toBe(true);
    expect(await r.db.artifact.findUnique({ where: { sha256: sha(fresh) } })).toBeNull();
    age(sha(fresh), 61);
    const swept = await collectGarbage(r.db, shared, SYSTEM_ACTOR, { graceMinutes: 60, apply: true });
    expect(swept.orphans.map((o) => o.sha256)).toContain(sha(fresh));
    expect(await r.store.has(sha(fresh))).toBe(false);
  });

  it('keeps bytes another in-flight upload of this process holds, until that one ends', async () => {
    const bytes = crypto.randomBytes(7000);
    let releaseA!: () => void;
    const aHolds = new Promise<void>((res) => (releaseA = res));
    let aStored!: () => void;
    const stored = new Promise<void>((res) => (aStored = res));
    const a = withArtifactCleanup(r.db, r.store, async (store) => {
      await store.put(bytes);
      aStored();
      await aHolds;
      return 'a ok';
    });
    await stored;
    await expect(
      withArtifactCleanup(r.db, r.store, async (store) => {
        await store.put(bytes);
        throw new Error('b refused');
      }),
    ).rejects.toThrow('b refused');
    expect(await r.store.has(sha(bytes))).toBe(true); // a still holds it
    releaseA();
    expect(await a).toBe('a ok');
    // a recorded nothing either: no row references the bytes, so they go with a's scope.
    expect(await r.store.has(sha(bytes))).toBe(false);
  });

  it('gc frees exactly the unreferenced objects past the grace period, audited; dry run deletes nothing', async () => {
    const before = await objects();
    const orphans = [crypto.randomBytes(1000), crypto.randomBytes(2000), crypto.randomBytes(3000)];
    for (const o of orphans) age((await r.store.put(o)).sha256, 120);
    const young = await r.store.put(crypto.randomBytes(400));
    const catalogued = crypto.randomBytes(600); // a catalogue row alone still counts as a reference
    const c = await r.store.put(catalogued);
    await catalogueArtifact(r.db, SYSTEM_ACTOR, { ...c, mediaType: 'application/octet-stream' });
    age(c.sha256, 120);
    for (const o of before) age(o.sha256, 24 * 60); // old and referenced: never touched

    const dry = await collectGarbage(r.db, r.store, SYSTEM_ACTOR, { graceMinutes: 60, apply: false });
    expect(dry.orphans.map((o) => o.sha256).sort()).toEqual(orphans.map(sha).sort());
    expect(dry.orphanBytes).toBe(6000);
    expect(dry.orphans.every((o) => o.ageSeconds >= 119 * 60)).toBe(true);
    expect(dry.fresh.map((o) => o.sha256)).toEqual([young.sha256]);
    expect(dry.referenced).toBe(before.length + 1);
    expect(dry.deleted).toEqual([]);
    expect((await objects()).length).toBe(before.length + 5);

    const auditBefore = await r.db.auditEvent.count({ where: { action: 'artifact.gc' } });
    const applied = await collectGarbage(r.db, r.store, SYSTEM_ACTOR, { graceMinutes: 60, apply: true });
    expect(applied.deleted.sort()).toEqual(orphans.map(sha).sort());
    expect(applied.deletedBytes).toBe(6000);
    const left = new Set((await objects()).map((o) => o.sha256));
    expect(left).toEqual(new Set([...before.map((o) => o.sha256), young.sha256, c.sha256]));
    const audit = await r.db.auditEvent.findMany({ where: { action: 'artifact.gc' }, orderBy: { id: 'desc' } });
    expect(audit.length).toBe(auditBefore + 1);
    expect(audit[0].after).toMatchObject({ deletedBytes: 6000, graceMinutes: 60 });

    // Grace 0 (what the crash test's sweep uses): the young one goes; nothing referenced does.
    const swept = await sweepOrphansOnStartup(r.db, r.store, 0);
    expect(swept!.deleted).toEqual([young.sha256]);
    expect(new Set((await objects()).map((o) => o.sha256))).toEqual(await referencedHashes(r.db));
    expect(swept!.missing).toEqual([]);
  });
});
