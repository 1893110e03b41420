/**
 * No orphans, end to end: hostile and broken uploads through the real route handlers leave the
 * store holding exactly what rows reference; then the real `drawbridge gc` binary on that data
 * directory, with planted orphans, frees exactly those (dry run first, which deletes nothing).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@/cli/test-support';
import type { Db } from '@/lib/db';
import { maliciousSafetensors } from '@/lib/formats/test-support/malicious';
import type { ArtifactStore } from '@/lib/storage/types';
import { openSeededApp } from './test-app';

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DEMO = path.join(ROOT, 'prisma', 'demo');
const FIXTURES = path.join(ROOT, 'lib', 'formats', 'fixtures');
const manifest = JSON.parse(fs.readFileSync(path.join(DEMO, 'manifest.json'), 'utf8'));
const g0 = manifest.groups[0];
const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
const file = (...p: string[]) => new Uint8Array(fs.readFileSync(path.join(...p)));

let tmp: string;
let db: Db;
let store: ArtifactStore;
let close: () => Promise<void>;
let token: string;
let jobs: Record<string, Handler>;
let direct: Record<string, Handler>;
let referencedHashes: (db: Db) => Promise<Set<string>>;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-orphans-'));
  const app = await openSeededApp(tmp);
  ({ db, store, close } = app);
  token = app.tokens.reviewer;
  ({ referencedHashes } = await import('@/lib/registry/artifact-gc'));
  jobs = (await import('@/app/api/v1/training/jobs/route')) as unknown as Record<string, Handler>;
  direct = (await import('@/app/api/v1/training/models/export/direct/route')) as unknown as Record<string, Handler>;
}, 120_000);

afterAll(async () => {
  await close?.();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function storedHashes(): Promise<Set<string>> {
  const all = new Set<string>();
  for await (const o of store.list()) all.add(o.sha256);
  return all;
}

/** Parts in the order given: a file before the metadata is stored before the metadata is refused. */
function form(parts: [string, string | Uint8Array][]): FormData {
  const f = new FormData();
  for (const [k, v] of parts) {
    if (typeof v === 'string') f.append(k, v);
    else f.append(k, new Blob([v as BlobPart]), `${k}.bin`);
  }
  return f;
}

const post = (h: Record<string, Handler>, url: string, body: FormData) =>
  h.POST(new Request(`http://test${url}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body }), {
    params: Promise.resolve({}),
  });

const meta = (name: string, config: Record<string, unknown> = g0.config_parameters) =>
  JSON.stringify({
    job_name: name,
    environment: 'local',
    config_parameters: config,
    status: 'completed',
    report: {
      final_loss: 0.01,
      validation_accuracy: 0.9,
      best_epoch: 3,
      training_time_seconds: 1,
      metrics_summary: {},
      report_file_path: null,
    },
  });

const DIRECT = '/api/v1/training/models/export/direct?age_group_min=2&age_group_max=3&export_format=onnx';

describe('refused uploads keep no bytes', () => {
  it('ten hostile or broken uploads through both upload routes: the store holds exactly what rows reference', async () => {
    expect(await storedHashes()).toEqual(await referencedHashes(db));
    const small = file(FIXTURES, 'ae-32-16.pth'); // a valid 32-input autoencoder, not yet registered
    const demoCkpt = file(DEMO, g0.files.checkpoint.path); // already a job's checkpoint: must survive
    const demoVs = file(DEMO, g0.files.validation.path); // 832-dim: wrong for `small`
    const badVs = maliciousSafetensors().find((c) => c.name === 'st-offsets-overlap.safetensors')!.bytes;
    const evil = (n: string) => file(FIXTURES, 'malicious', n);
    const fresh = [
      small,
      badVs,
      evil('torch-os-system.pth'),
      evil('zip-slip-dotdot.zip'),
      evil('not-autoencoder-cnn.pth'),
      evil('tensor-out-of-bounds.pth'),
    ];
    for (const b of fresh) expect(await store.has(sha(b))).toBe(false);

    const cases: string[] = [];
    const run = async (name: string, res: Promise<Response>, status: number, code?: string) => {
      const r = await res;
      const body = await r.json();
      expect({ name, status: r.status, code: body.code }).toEqual({ name, status, code: code ?? body.code });
      expect(typeof body.code).toBe('string');
      cases.push(name);
    };
    const J = '/api/v1/training/jobs';
    await run(
      'checkpoint, then unparsable metadata',
      post(
        jobs,
        J,
        form([
          ['checkpoint', small],
          ['metadata', '{oops'],
        ]),
      ),
      400,
      'invalid_json',
    );
    await run(
      'checkpoint, then metadata failing its schema',
      post(
        jobs,
        J,
        form([
          ['checkpoint', small],
          ['metadata', '{"environment":"moon"}'],
        ]),
      ),
      422,
    );
    await run(
      'checkpoint, then no metadata at all',
      post(jobs, J, form([['checkpoint', small]])),
      422,
      'invalid_request',
    );
    await run(
      'pickle calling os.system',
      post(
        jobs,
        J,
        form([
          ['metadata', meta('evil-1')],
          ['checkpoint', evil('torch-os-system.pth')],
        ]),
      ),
      422,
      'unsafe_pickle_global',
    );
    await run(
      'zip slip',
      post(
        jobs,
        J,
        form([
          ['metadata', meta('evil-2')],
          ['checkpoint', evil('zip-slip-dotdot.zip')],
        ]),
      ),
      422,
    );
    await run(
      'not an autoencoder',
      post(
        jobs,
        J,
        form([
          ['metadata', meta('evil-3')],
          ['checkpoint', evil('not-autoencoder-cnn.pth')],
        ]),
      ),
      422,
      'not_an_autoencoder',
    );
    await run(
      'validation set of the wrong dimension',
      post(
        jobs,
        J,
        form([
          ['metadata', meta('dim')],
          ['checkpoint', small],
          ['validation_set', demoVs],
        ]),
      ),
      422,
      'validation_set_dimension_mismatch',
    );
    await run(
      'hostile safetensors validation set',
      post(
        jobs,
        J,
        form([
          ['metadata', meta('st')],
          ['checkpoint', small],
          ['validation_set', badVs],
        ]),
      ),
      422,
    );
    await run(
      "an existing job's checkpoint with a hostile validation set",
      post(
        jobs,
        J,
        form([
          ['metadata', meta('dup')],
          ['checkpoint', demoCkpt],
          ['validation_set', badVs],
        ]),
      ),
      422,
    );
    await run(
      'checkpoint, then an unexpected file',
      post(
        jobs,
        J,
        form([
          ['metadata', meta('x')],
          ['checkpoint', small],
          ['evil', new Uint8Array([1, 2, 3])],
        ]),
      ),
      400,
      'unexpected_file',
    );
    await run(
      'direct export: model_info contradicts the weights',
      post(
        direct,
        DIRECT,
        form([
          ['checkpoint', small],
          ['model_info', '{"input_dim": 64}'],
        ]),
      ),
      422,
      'architecture_mismatch',
    );
    await run(
      'direct export: unknown format',
      post(direct, DIRECT.replace('onnx', 'tflite'), form([['checkpoint', small]])),
      422,
      'invalid_request',
    );
    await run(
      'direct export: out-of-bounds tensor',
      post(direct, DIRECT, form([['checkpoint', evil('tensor-out-of-bounds.pth')]])),
      422,
    );
    process.env.DRAWBRIDGE_MAX_ARTIFACT_MB = '0.5';
    try {
      await run(
        'checkpoint, then a validation set over the limit',
        post(
          jobs,
          J,
          form([
            ['metadata', meta('big')],
            ['checkpoint', small],
            ['validation_set', crypto.randomBytes(600_000)],
          ]),
        ),
        413,
        'artifact_too_large',
      );
    } finally {
      delete process.env.DRAWBRIDGE_MAX_ARTIFACT_MB;
    }
    expect(cases.length).toBe(14);

    for (const b of fresh) expect(await store.has(sha(b))).toBe(false);
    expect(await store.has(sha(demoCkpt))).toBe(true);
    expect(await db.artifact.findUnique({ where: { sha256: sha(small) } })).toBeNull();
    expect(await storedHashes()).toEqual(await referencedHashes(db));
    expect(fs.readdirSync(path.join(tmp, 'artifacts', 'tmp'))).toEqual([]);

    // An accepted upload and a direct export keep theirs: the clean-up only takes what nobody records.
    const ok = await post(
      jobs,
      J,
      form([
        // The fixture's training_config says ages 3–4: metadata naming the demo's 2–3 would contradict it.
        ['metadata', meta('good', { ...g0.config_parameters, age_group_min: 3, age_group_max: 4 })],
        ['checkpoint', small],
      ]),
    );
    expect(ok.status).toBe(201);
    const exp = await post(direct, DIRECT, form([['checkpoint', small]]));
    expect(exp.status).toBe(200);
    const { checksum } = await exp.json();
    expect(await store.has(sha(small))).toBe(true);
    expect(await store.has(checksum)).toBe(true);
    expect(await storedHashes()).toEqual(await referencedHashes(db));
  });

  it('drawbridge gc frees exactly the planted orphans past the grace period; the dry run deletes nothing', async () => {
    const referenced = await referencedHashes(db);
    const old = new Date(Date.now() - 3 * 3600_000);
    const objectFile = (h: string) => path.join(tmp, 'artifacts', 'objects', h.slice(0, 2), h.slice(2, 4), h);
    const orphans: string[] = [];
    for (const size of [1111, 2222, 3333]) {
      const { sha256 } = await store.put(crypto.randomBytes(size));
      fs.utimesSync(objectFile(sha256), old, old);
      orphans.push(sha256);
    }
    const young = (await store.put(crypto.randomBytes(444))).sha256;
    for (const h of referenced) fs.utimesSync(objectFile(h), old, old); // old, but a row points at each
    fs.writeFileSync(path.join(tmp, 'artifacts', 'tmp', '2147483646-interrupted'), Buffer.alloc(555));
    fs.utimesSync(path.join(tmp, 'artifacts', 'tmp', '2147483646-interrupted'), old, old);
    await close(); // the CLI is a second process: the embedded database admits one opener
    close = async () => {};

    const cwd = tmp;
    const dry = await runCli(['gc'], { cwd, dataDir: tmp });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('dry run: would free 3 unreferenced artifacts, 6666 bytes');
    for (const h of orphans) expect(dry.stdout).toMatch(new RegExp(`${h}\\s+\\d+\\s+3h 0m\\s+would delete`));
    expect(dry.stdout).toContain(
      `kept: ${referenced.size} referenced artifacts, 1 unreferenced younger than the grace period`,
    );
    expect(dry.stdout).toContain(young);
    expect(dry.stdout).toContain('stale temp files: 1 (555 bytes), would delete');
    for (const h of [...orphans, young, ...referenced]) expect(fs.existsSync(objectFile(h))).toBe(true);

    const json = await runCli(['gc', '--json', '--grace', '1'], { cwd, dataDir: tmp });
    const report = JSON.parse(json.stdout);
    expect(report.orphans.map((o: { sha256: string }) => o.sha256).sort()).toEqual(orphans.slice().sort());
    expect(report).toMatchObject({
      applied: false,
      grace_minutes: 1,
      orphan_bytes: 6666,
      deleted: [],
      referenced: referenced.size,
      missing: [],
    });

    const applied = await runCli(['gc', '--apply'], { cwd, dataDir: tmp });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('freed 3 unreferenced artifacts, 6666 bytes');
    for (const h of orphans) expect(fs.existsSync(objectFile(h))).toBe(false);
    for (const h of [young, ...referenced]) expect(fs.existsSync(objectFile(h))).toBe(true);
    expect(fs.readdirSync(path.join(tmp, 'artifacts', 'tmp'))).toEqual([]);

    const help = await runCli(['gc', '--help'], { cwd, dataDir: tmp });
    expect(help.stdout).toMatch(/^Usage: drawbridge gc \[--apply\] \[--grace MINUTES\] \[--json\]/);

    // The deleting run is in the audit trail, as the system, with what it freed.
    const { openDatabase } = await import('@/lib/db');
    const reopened = await openDatabase();
    try {
      const events = await reopened.db.auditEvent.findMany({ where: { action: 'artifact.gc' } });
      expect(events).toHaveLength(1);
      expect(events[0].actorLabel).toContain('system@drawbridge.local');
      expect(events[0].after).toMatchObject({ deletedBytes: 6666, tempFiles: 1, tempBytes: 555 });
      expect((events[0].after as { deleted: { sha256: string }[] }).deleted.map((d) => d.sha256).sort()).toEqual(
        orphans.slice().sort(),
      );
    } finally {
      await reopened.close();
    }
  });
});
