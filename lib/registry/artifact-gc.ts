/**
 * No orphans: bytes in the artifact store that no row references are not kept. Three ways out:
 * - an upload scope (withArtifactCleanup) removes what a refused or failed request stored, at once;
 * - the start-up sweep and `drawbridge gc` remove unreferenced objects older than a grace period
 *   (a crash between write and record), never one a row points to.
 * Content addressing dedupes, so "unreferenced" is always asked of the database, never assumed,
 * and an upload in flight in this process holds its hash until its rows are committed.
 */
import 'server-only';
import type { Actor } from '../auth/permissions';
import type { Db } from '../db';
import { Prisma } from '../db/generated/client';
import type { ArtifactStore, StoredObject } from '../storage/types';
import { recordAudit, SYSTEM_ACTOR } from './audit';

/**
 * Every column that holds an artifact's SHA-256 (artifact-gc.test.ts checks this list against
 * every Char(64) column of prisma/schema.prisma, so a new one cannot be forgotten).
 */
export const ARTIFACT_REFERENCES = [
  ['Artifact', 'sha256'],
  ['TrainingJob', 'checkpointSha256'],
  ['TrainingJob', 'validationSha256'],
  ['TrainingReport', 'modelParametersSha256'],
  ['ModelExport', 'checksum'],
  ['ModelExport', 'sourceChecksum'],
  ['ValidationRun', 'artifactSha256'],
  ['AgeGroupModel', 'artifactSha256'],
  ['DeploymentRequest', 'artifactSha256'],
  ['Review', 'artifactSha256'],
  ['PreviewSummary', 'artifactSha256'],
  ['PreviewSummary', 'validationSetSha256'],
] as const;

const ALL_REFERENCES_SQL = ARTIFACT_REFERENCES.map(
  ([t, c]) => `SELECT "${c}" AS sha FROM "${t}" WHERE "${c}" IS NOT NULL`,
).join(' UNION ');

/** The hashes some row references, the catalogue included. */
export async function referencedHashes(db: Db): Promise<Set<string>> {
  const rows = await db.$queryRawUnsafe<{ sha: string }[]>(ALL_REFERENCES_SQL);
  return new Set(rows.map((r) => r.sha.trim()));
}

/** Which tables reference `sha256` ("Artifact" is the catalogue row itself). */
export async function referencesTo(db: Db, sha256: string): Promise<string[]> {
  const sql = ARTIFACT_REFERENCES.map(([t, c]) => `SELECT '${t}.${c}' AS ref FROM "${t}" WHERE "${c}" = $1`).join(
    ' UNION ',
  );
  const rows = await db.$queryRawUnsafe<{ ref: string }[]>(sql, sha256);
  return rows.map((r) => r.ref);
}

// Hashes an upload in this process has stored but not yet recorded (count per hash: two uploads
// of the same bytes both hold it). On globalThis: Next.js may load this module more than once.
const g = globalThis as unknown as { __drawbridgePendingArtifacts?: Map<string, number> };
const pending = (g.__drawbridgePendingArtifacts ??= new Map());

function hold(sha256: string) {
  pending.set(sha256, (pending.get(sha256) ?? 0) + 1);
}

function release(sha256: string) {
  const n = (pending.get(sha256) ?? 1) - 1;
  if (n > 0) pending.set(sha256, n);
  else pending.delete(sha256);
}

export function isPending(sha256: string): boolean {
  return pending.has(sha256);
}

/**
 * Runs `fn` with a store whose puts are tracked. When `fn` ends, each hash it stored is removed
 * from the store unless a row references it or another upload in this process holds it. When
 * `fn` failed, a catalogue row it created (nothing else pointing at it) goes too: a refused
 * request keeps neither bytes nor records. Errors of the clean-up never mask `fn`'s own.
 */
export async function withArtifactCleanup<T>(
  db: Db,
  store: ArtifactStore,
  fn: (store: ArtifactStore) => Promise<T>,
): Promise<T> {
  const started = new Date();
  const stored = new Set<string>();
  const tracked: ArtifactStore = {
    shared: store.shared,
    put: (source, opts = {}) =>
      store.put(source, {
        ...opts,
        onHash: (sha256) => {
          if (!stored.has(sha256)) {
            stored.add(sha256);
            hold(sha256);
          }
          opts.onHash?.(sha256);
        },
      }),
    get: (sha256) => store.get(sha256),
    stream: (sha256, range) => store.stream(sha256, range),
    has: (sha256) => store.has(sha256),
    size: (sha256) => store.size(sha256),
    stat: (sha256) => store.stat(sha256),
    delete: (sha256, opts) => store.delete(sha256, opts),
    list: () => store.list(),
    sweepTemp: (olderThanMs, opts) => store.sweepTemp(olderThanMs, opts),
  };
  let failed = true;
  try {
    const result = await fn(tracked);
    failed = false;
    return result;
  } finally {
    for (const sha256 of stored) {
      release(sha256);
      try {
        await discardIfUnreferenced(db, store, sha256, failed ? started : null);
      } catch (e) {
        // The sweep will catch it later; the caller's own outcome matters more.
        console.warn(`drawbridge: could not remove unreferenced artifact ${sha256}: ${(e as Error).message}`);
      }
    }
  }
}

/**
 * Deletes the object unless something still needs it. With `catalogueSince`, a catalogue row
 * created at or after that time that nothing else references is deleted with it.
 */
async function discardIfUnreferenced(
  db: Db,
  store: ArtifactStore,
  sha256: string,
  catalogueSince: Date | null,
): Promise<boolean> {
  // Another server may have stored these same bytes and not yet recorded them: only the catalogue
  // row this request made goes now; the bytes wait for the sweep's grace period.
  if (store.shared) {
    if (catalogueSince && !(await referencesTo(db, sha256)).some((r) => r !== 'Artifact.sha256'))
      await db.artifact.deleteMany({ where: { sha256, createdAt: { gte: catalogueSince } } });
    return false;
  }
  return store.delete(sha256, {
    keepIf: async () => {
      if (isPending(sha256)) return true;
      const refs = await referencesTo(db, sha256);
      if (refs.some((r) => r !== 'Artifact.sha256')) return true;
      if (refs.length === 0) return false;
      if (!catalogueSince) return true;
      try {
        const { count } = await db.artifact.deleteMany({ where: { sha256, createdAt: { gte: catalogueSince } } });
        return count === 0;
      } catch (e) {
        // A row in another process just started pointing at it: keep both.
        if (e instanceof Prisma.PrismaClientKnownRequestError) return true;
        throw e;
      }
    },
  });
}

export const DEFAULT_GRACE_MINUTES = 60;

/** The grace period of the start-up sweep: DRAWBRIDGE_GC_GRACE_MINUTES, default 60. */
export function configuredGraceMinutes(): number {
  const v = Number(process.env.DRAWBRIDGE_GC_GRACE_MINUTES);
  return process.env.DRAWBRIDGE_GC_GRACE_MINUTES !== undefined && Number.isFinite(v) && v >= 0
    ? v
    : DEFAULT_GRACE_MINUTES;
}

export type OrphanInfo = { sha256: string; sizeBytes: number; modifiedAt: Date; ageSeconds: number };

export type GcReport = {
  applied: boolean;
  graceMinutes: number;
  /** Unreferenced and older than the grace period: freed when applied. */
  orphans: OrphanInfo[];
  orphanBytes: number;
  /** Of those, what this run actually deleted (applied only; one may be kept if it gained a row meanwhile). */
  deleted: string[];
  deletedBytes: number;
  /** Unreferenced but younger than the grace period: perhaps an upload about to be recorded. */
  fresh: OrphanInfo[];
  referenced: number;
  /** Hashes rows reference that the store does not hold (restore them from backup). */
  missing: string[];
  tempFiles: number;
  tempBytes: number;
};

/**
 * Finds unreferenced objects older than the grace period and, with `apply`, deletes them (each
 * one re-checked under the store's lock against the database, its mtime and this process's
 * in-flight uploads) and stale temp files. A run that deletes anything is audited.
 */
export async function collectGarbage(
  db: Db,
  store: ArtifactStore,
  actor: Actor,
  opts: { graceMinutes: number; apply: boolean; now?: Date },
): Promise<GcReport> {
  const now = (opts.now ?? new Date()).getTime();
  const graceMs = opts.graceMinutes * 60_000;
  const refs = await referencedHashes(db);
  const seen = new Set<string>();
  const orphans: OrphanInfo[] = [];
  const fresh: OrphanInfo[] = [];
  let referenced = 0;
  for await (const o of store.list()) {
    seen.add(o.sha256);
    if (refs.has(o.sha256)) {
      referenced++;
      continue;
    }
    const info = orphanInfo(o, now);
    (now - o.modifiedAt.getTime() >= graceMs ? orphans : fresh).push(info);
  }
  orphans.sort((a, b) => b.ageSeconds - a.ageSeconds || a.sha256.localeCompare(b.sha256));
  fresh.sort((a, b) => b.ageSeconds - a.ageSeconds || a.sha256.localeCompare(b.sha256));
  const deleted: string[] = [];
  let deletedBytes = 0;
  if (opts.apply) {
    for (const o of orphans) {
      const gone = await store.delete(o.sha256, {
        keepIf: async () => {
          if (isPending(o.sha256)) return true;
          const current = await store.stat(o.sha256);
          if (!current || now - current.modifiedAt.getTime() < graceMs) return true; // rewritten meanwhile
          return (await referencesTo(db, o.sha256)).length > 0;
        },
      });
      if (gone) {
        deleted.push(o.sha256);
        deletedBytes += o.sizeBytes;
      }
    }
  }
  const temp = await store.sweepTemp(graceMs, { apply: opts.apply });
  const report: GcReport = {
    applied: opts.apply,
    graceMinutes: opts.graceMinutes,
    orphans,
    orphanBytes: orphans.reduce((s, o) => s + o.sizeBytes, 0),
    deleted,
    deletedBytes,
    fresh,
    referenced,
    missing: [...refs].filter((h) => !seen.has(h)).sort(),
    tempFiles: temp.files,
    tempBytes: temp.bytes,
  };
  if (opts.apply && (deleted.length || temp.files)) {
    await recordAudit(db, actor, {
      action: 'artifact.gc',
      subjectType: 'artifact_store',
      subjectId: 'artifacts',
      after: {
        graceMinutes: opts.graceMinutes,
        deleted: orphans
          .filter((o) => deleted.includes(o.sha256))
          .map((o) => ({ sha256: o.sha256, sizeBytes: o.sizeBytes })),
        deletedBytes,
        tempFiles: temp.files,
        tempBytes: temp.bytes,
      },
    });
  }
  return report;
}

function orphanInfo(o: StoredObject, now: number): OrphanInfo {
  return { ...o, ageSeconds: Math.max(0, Math.round((now - o.modifiedAt.getTime()) / 1000)) };
}

/**
 * The start-up sweep: what a crash between write and record left behind, older than the grace
 * period, as the system. Never throws: a server must come up even when its store is unreadable.
 */
export async function sweepOrphansOnStartup(
  db: Db,
  store: ArtifactStore,
  graceMinutes = configuredGraceMinutes(),
): Promise<GcReport | null> {
  try {
    const r = await collectGarbage(db, store, SYSTEM_ACTOR, { graceMinutes, apply: true });
    if (r.deleted.length || r.tempFiles) {
      console.info(
        `drawbridge: start-up sweep freed ${r.deleted.length} unreferenced artifact(s), ${r.deletedBytes} bytes, and ${r.tempFiles} stale temp file(s)`,
      );
    }
    if (r.missing.length)
      console.warn(
        `drawbridge: ${r.missing.length} referenced artifact(s) are missing from the store: ${r.missing.join(', ')}`,
      );
    return r;
  } catch (e) {
    console.warn(`drawbridge: start-up sweep of the artifact store failed: ${(e as Error).message}`);
    return null;
  }
}
