import { z } from 'zod';
import { BackupError } from './errors';

/**
 * The first entry of every archive. It names and hashes everything after it, so a restore can
 * check each entry while it streams past instead of trusting the bytes first and asking later.
 */
export const MANIFEST_NAME = 'manifest.json';
export const DATABASE_NAME = 'database.jsonl';
export const ARCHIVE_FORMAT = 'drawbridge-backup';
export const ARCHIVE_VERSION = 1;
/** The manifest is read into memory: refuse anything larger than a real one could be. */
export const MANIFEST_MAX_BYTES = 64 * 1024 * 1024;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase SHA-256 hex digest');
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain SQL identifier');
const count = z.number().int().nonnegative();

export const manifestSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(ARCHIVE_VERSION),
  created_at: z.string(),
  source: z.object({ kind: z.enum(['pglite', 'postgres']) }),
  /** The migration history the rows were written under, oldest first. */
  migrations: z.array(z.object({ name: z.string().min(1), checksum: sha256 })).min(1),
  database: z.object({
    file: z.literal(DATABASE_NAME),
    bytes: count,
    sha256,
    /** Dependency order: every table after the tables its foreign keys point to. */
    tables: z.array(z.object({ name: identifier, rows: count })),
  }),
  /** The next value each sequence would hand out, so new rows never reuse an id. */
  sequences: z.array(
    z.object({ name: identifier, table: identifier, column: identifier, next: z.number().int().positive() }),
  ),
  artifacts: z.array(z.object({ sha256, bytes: count })),
});

export type Manifest = z.infer<typeof manifestSchema>;

export const artifactEntryName = (sha: string) => `artifacts/${sha}`;

export function parseManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new BackupError('backup_corrupt', `the archive's ${MANIFEST_NAME} is not valid JSON`);
  }
  if (raw && typeof raw === 'object' && (raw as { format?: unknown }).format === ARCHIVE_FORMAT) {
    const v = (raw as { version?: unknown }).version;
    if (v !== ARCHIVE_VERSION) {
      throw new BackupError(
        'backup_incompatible',
        `this archive is backup format version ${String(v)}; this Drawbridge reads version ${ARCHIVE_VERSION}`,
      );
    }
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new BackupError(
      'backup_corrupt',
      `the archive's ${MANIFEST_NAME} is not a Drawbridge backup manifest (${first.path.join('.') || 'root'}: ${first.message})`,
    );
  }
  const seen = new Set<string>();
  for (const a of r.data.artifacts) {
    if (seen.has(a.sha256)) throw new BackupError('backup_corrupt', `the manifest lists artifact ${a.sha256} twice`);
    seen.add(a.sha256);
  }
  const tables = new Set<string>();
  for (const t of r.data.database.tables) {
    if (tables.has(t.name)) throw new BackupError('backup_corrupt', `the manifest lists table ${t.name} twice`);
    tables.add(t.name);
  }
  return r.data;
}
