// The benchmark's data: one embedded data directory per size, filled by a handful of
// INSERT … SELECT generate_series statements through the app's own migrations (row-by-row inserts
// through Prisma took minutes at 100 k), then ANALYZEd, since PGlite never runs autovacuum.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../lib/db';
import type { OpenedAdapter } from '../../lib/db/adapter';
import { readMigrations } from '../../lib/db/migrate';
import { createApiToken, createSession } from '../../lib/auth/sessions';
import { hashPassword } from '../../lib/auth/password';
import type { Actor } from '../../lib/auth/permissions';

export const MIGRATIONS_DIR = path.join(import.meta.dirname, '..', '..', 'prisma', 'migrations');

/** What a benchmark client needs to be let in: a bearer token for the API, a session for pages. */
export type Credentials = { apiToken: string; sessionToken: string };
export type SeededDir = { dataDir: string; credentials: Credentials; cached: boolean; phases: string };

/** Four formats per training job, so a job's exports sit together as they do in a real registry. */
const FORMATS_PER_JOB = 4;
/** The eight age ranges of the product (DESIGN.md). */
const AGES = [2, 3, 4, 5, 6, 7, 8, 9].map((lo) => [lo, lo === 9 ? 12 : lo + 1]);
const ENVIRONMENTS = ['production', 'staging'];

/**
 * The cache key: the migrations (a new one changes every table the seed fills) and this seed's
 * own source, so a changed seed never benchmarks yesterday's rows.
 */
export function seedKey(): string {
  const h = crypto.createHash('sha256');
  for (const m of readMigrations(MIGRATIONS_DIR)) h.update(`${m.name}:${m.checksum}\n`);
  h.update(fs.readFileSync(import.meta.filename));
  return h.digest('hex').slice(0, 16);
}

/**
 * A seeded data directory of `exports` exports under `cacheRoot`, reused when a complete one with
 * the same key exists (its credentials file is written last, so a seed cut short is redone).
 */
export async function seededDataDir(cacheRoot: string, exports: number): Promise<SeededDir> {
  const key = seedKey();
  // Directories of older migrations or seeds are never served again (100 k is ~450 MB).
  for (const old of fs.existsSync(cacheRoot) ? fs.readdirSync(cacheRoot) : [])
    if (old !== key) fs.rmSync(path.join(cacheRoot, old), { recursive: true, force: true });
  const dataDir = path.join(cacheRoot, key, String(exports));
  const credentialsFile = path.join(dataDir, 'bench-credentials.json');
  if (fs.existsSync(credentialsFile)) {
    const credentials = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as Credentials;
    return { dataDir, credentials, cached: true, phases: '' };
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const { phases, ...credentials } = await seedDataDir(dataDir, exports);
  fs.writeFileSync(credentialsFile, JSON.stringify(credentials));
  return { dataDir, credentials, cached: false, phases };
}

/** Fills a fresh data directory (the layout a server's DRAWBRIDGE_DATA_DIR has). */
export async function seedDataDir(dataDir: string, exports: number): Promise<Credentials & { phases: string }> {
  if (exports < 100) throw new Error('the benchmark seeds at least 100 exports (its deployments need 25 jobs)');
  const times: string[] = [];
  let t = performance.now();
  const lap = (what: string) => {
    times.push(`${what} ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
  };
  const { db, adapter, close } = await openDatabase(
    { kind: 'pglite', dir: path.join(dataDir, 'pglite') },
    { migrationsDir: MIGRATIONS_DIR },
  );
  lap('migrations');
  try {
    const user = await db.user.create({
      data: {
        email: 'bench@drawbridge.local',
        name: 'Bench Reviewer',
        role: 'admin',
        passwordHash: await hashPassword(crypto.randomBytes(18).toString('base64url')),
      },
    });
    const actor: Actor = { id: user.id, email: user.email, name: user.name, role: user.role, via: 'session' };
    const { token: apiToken } = await createApiToken(db, actor, 'bench-registry');
    const { token: sessionToken } = await createSession(db, user.id, 'bench-registry');
    await withoutSecondaryIndexes(adapter, SEEDED_TABLES, lap, async () => {
      for (const sql of seedStatements(exports, user.id)) await adapter.exec(sql);
      lap('rows');
    });
    // PGlite never runs autovacuum: without statistics the planner guesses (issue 14). The
    // checkpoint lets PostgreSQL recycle the WAL the bulk insert wrote (half the directory's size).
    await adapter.exec('ANALYZE');
    await adapter.exec('CHECKPOINT');
    lap('analyze');
    return { apiToken, sessionToken, phases: times.join(', ') };
  } finally {
    await close();
  }
}

const SEEDED_TABLES = ['Artifact', 'TrainingJob', 'TrainingReport', 'ModelExport', 'ValidationRun', 'AgeGroupModel'];

/**
 * Runs `fill` with the tables' secondary indexes dropped, then builds them again from their own
 * definitions (whatever the migrations made them): one sort per index instead of 100 k random
 * inserts into each of a dozen, a third of the seed's time. Primary keys, and indexes a
 * constraint uses, stay.
 */
async function withoutSecondaryIndexes(
  adapter: OpenedAdapter,
  tables: string[],
  lap: (what: string) => void,
  fill: () => Promise<void>,
) {
  const indexes = await adapter.query<{ name: string; def: string }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
     WHERE t.relname = ANY($1::text[]) AND NOT i.indisprimary
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    [tables],
  );
  for (const { name } of indexes) await adapter.exec(`DROP INDEX "${name}"`);
  await fill();
  for (const { def } of indexes) await adapter.exec(def);
  lap(`${indexes.length} indexes`);
}

/** One statement per table; the numbers are chosen so every filter and sort has something to do. */
export function seedStatements(exports: number, userId: string): string[] {
  const jobs = Math.ceil(exports / FORMATS_PER_JOB);
  // History grows with the registry (one deployment per 50 exports); 16 stay active (8 ranges × 2 environments).
  const deployments = Math.max(ENVIRONMENTS.length * AGES.length * 2, Math.round(exports / 50));
  // Deployments pick jobs 8..8 × spread + 15, all below `jobs`, so each names an existing export.
  const spread = Math.max(1, Math.floor((jobs - 16) / 8));
  const ages = `(ARRAY[${AGES.map(([a]) => a).join(',')}])`;
  const agesMax = `(ARRAY[${AGES.map(([, b]) => b).join(',')}])`;
  const user = `'${userId.replace(/'/g, "''")}'`;
  // Oldest first, one minute apart, the newest a minute ago.
  const at = (i: string, count: number) => `now() - ((${count} - ${i}) * interval '1 minute')`;
  const sha = (prefix: string, i: string) => `'${prefix}' || lpad(to_hex(${i}), 63, '0')`;
  return [
    `INSERT INTO "Artifact" ("sha256", "sizeBytes", "mediaType", "originalName", "createdById", "createdAt")
     SELECT ${sha('c', 'j')}, 2000000 + (j * 7919) % 900000, 'application/zip', 'model.pth', ${user}, ${at('j * 4', exports)}
     FROM generate_series(1, ${jobs}) AS j`,
    `INSERT INTO "Artifact" ("sha256", "sizeBytes", "mediaType", "originalName", "createdById", "createdAt")
     SELECT ${sha('e', 'i')}, 900000 + (i::bigint * 104729) % 5000000, 'application/octet-stream', NULL, ${user}, ${at('i', exports)}
     FROM generate_series(0, ${exports - 1}) AS i`,
    // Jobs 1..jobs keep their ids so exports can name them; the sequence then continues after them.
    `INSERT INTO "TrainingJob" ("id", "jobName", "environment", "configParameters", "datasetPath", "status",
       "startTimestamp", "endTimestamp", "checkpointSha256", "createdById", "createdAt", "ageGroupMin", "ageGroupMax")
     SELECT j, 'ae-' || ${ages}[(j % 8) + 1] || '-' || ${agesMax}[(j % 8) + 1] || '-run-' || j,
       (ARRAY['local','sagemaker','external']::"TrainingEnvironment"[])[(j % 3) + 1],
       jsonb_build_object('age_group_min', ${ages}[(j % 8) + 1], 'age_group_max', ${agesMax}[(j % 8) + 1],
         'epochs', 50 + j % 50, 'learning_rate', 0.001, 'hidden_dims', jsonb_build_array(512, 256, 128, 64)),
       's3://drawings/embeddings/batch-' || (j % 40) || '.npz',
       (CASE WHEN j % 23 = 0 THEN 'failed' WHEN j % 31 = 0 THEN 'running' ELSE 'completed' END)::"TrainingStatus",
       ${at('j * 4', exports)} - interval '2 hours', ${at('j * 4', exports)} - interval '5 minutes',
       ${sha('c', 'j')}, ${user}, ${at('j * 4', exports)} - interval '2 hours',
       ${ages}[(j % 8) + 1], ${agesMax}[(j % 8) + 1]
     FROM generate_series(1, ${jobs}) AS j`,
    `SELECT setval(pg_get_serial_sequence('"TrainingJob"', 'id'), ${jobs})`,
    `INSERT INTO "TrainingReport" ("trainingJobId", "finalLoss", "validationAccuracy", "bestEpoch",
       "trainingTimeSeconds", "modelParametersSha256", "metricsSummary")
     SELECT j, 0.01 + (j % 97) / 1000.0, 0.8 + (j % 19) / 100.0, 10 + j % 40, 3600 + j % 7200, ${sha('c', 'j')},
       jsonb_build_object('train_loss', 0.02, 'val_loss', 0.01 + (j % 97) / 1000.0)
     FROM generate_series(1, ${jobs}) AS j WHERE j % 23 <> 0 AND j % 31 <> 0`,
    // Export i belongs to job i / 4 + 1 (its age range) in format i % 4; sizes and parameter counts
    // vary independently of time, so sorting by them reads the whole table, not the newest rows.
    `INSERT INTO "ModelExport" ("id", "modelId", "exportTimestamp", "trainingJobId", "modelVersion",
       "architectureHash", "parameterCount", "inputDimension", "outputDimension", "ageGroupMin", "ageGroupMax",
       "trainingMetrics", "compatibilityVersion", "exportFormat", "fileSizeBytes", "checksum", "architecture",
       "sourceChecksum", "createdById", "ageRangeOverrideReason", "jobAgeGroupMin", "jobAgeGroupMax")
     SELECT 'bx' || lpad(i::text, 8, '0'),
       'autoencoder_' || ${ages}[(j % 8) + 1] || '.0_' || ${agesMax}[(j % 8) + 1] || '.0_'
         || to_char(${at('i', exports)}, 'YYYYMMDD_HH24MISS') || '_' || i,
       ${at('i', exports)}, j, '1.0.' || (i % 7), md5((i % 5)::text), 230528 + (i % 5) * 65536, 832, 832,
       ${ages}[(j % 8) + 1], ${agesMax}[(j % 8) + 1],
       jsonb_build_object('final_loss', 0.01 + (j % 97) / 1000.0, 'best_epoch', 10 + j % 40), '1.0',
       (ARRAY['onnx','pytorch','pickle','safetensors']::"ExportFormat"[])[(i % 4) + 1],
       900000 + (i::bigint * 104729) % 5000000, ${sha('e', 'i')},
       jsonb_build_object('input_dim', 832, 'hidden_dims', jsonb_build_array(512, 256, 128, 64)),
       ${sha('c', 'j')}, ${user},
       CASE WHEN i % 211 = 0 THEN 'benchmark: exported for the neighbouring range' END,
       CASE WHEN i % 211 = 0 THEN ${ages}[(j % 8) + 1] END, CASE WHEN i % 211 = 0 THEN ${agesMax}[(j % 8) + 1] END
     FROM generate_series(0, ${exports - 1}) AS i, LATERAL (SELECT i / ${FORMATS_PER_JOB} + 1 AS j) AS job`,
    // Four in five exports validated once (one in seven of those invalid), one in ten twice.
    `INSERT INTO "ValidationRun" ("id", "modelExportId", "artifactSha256", "isValid", "errors", "warnings",
       "compatibilityChecks", "integrityChecks", "performanceChecks", "createdById", "createdAt")
     SELECT 'bv' || lpad(i::text, 8, '0') || '_' || r, 'bx' || lpad(i::text, 8, '0'), ${sha('e', 'i')},
       NOT (r = 1 AND i % 7 = 0),
       CASE WHEN r = 1 AND i % 7 = 0 THEN '["output dimension mismatch"]'::jsonb ELSE '[]'::jsonb END, '[]',
       '{"onnx_opset": true}', '{"checksum": true}', '{"latency_ms": 1.6}', ${user},
       ${at('i', exports)} + r * interval '10 seconds'
     FROM generate_series(0, ${exports - 1}) AS i, generate_series(1, 2) AS r
     WHERE i % 5 <> 0 AND (r = 1 OR i % 10 = 1)`,
    // Deployment k deploys the ONNX export of a job of range k % 8 in environment (k / 8) % 2; the
    // newest per environment and range is active, the rest history (backup, retired, undeployed).
    `INSERT INTO "AgeGroupModel" ("ageMin", "ageMax", "environment", "parameters", "sampleCount", "threshold",
       "createdTimestamp", "isActive", "status", "modelExportId", "artifactSha256", "deployedById",
       "undeployedAt", "undeployedById")
     SELECT lo, hi, env, '{"percentile": 95}', 1000 + k % 500, 0.05 + (k % 10) / 100.0, at, rn = 1,
       (CASE WHEN rn = 1 THEN 'active' WHEN rn = 2 THEN 'backup'
         WHEN k % 5 = 0 THEN 'undeployed' ELSE 'retired' END)::"DeploymentStatus",
       'bx' || lpad(i::text, 8, '0'), ${sha('e', 'i')}, ${user},
       CASE WHEN rn > 2 AND k % 5 = 0 THEN at + interval '1 hour' END, CASE WHEN rn > 2 AND k % 5 = 0 THEN ${user} END
     FROM (
       SELECT k, i, lo, hi, env, ${at('i', exports)} + interval '30 seconds' AS at,
         row_number() OVER (PARTITION BY env, lo ORDER BY i DESC, k DESC) AS rn
       FROM (
         SELECT k, (j - 1) * ${FORMATS_PER_JOB} AS i, ${ages}[(j % 8) + 1] AS lo, ${agesMax}[(j % 8) + 1] AS hi,
           (ARRAY[${ENVIRONMENTS.map((e) => `'${e}'`).join(',')}])[((k / 8) % 2) + 1] AS env
         FROM generate_series(0, ${deployments - 1}) AS k,
           LATERAL (SELECT 8 * ((k * 37) % ${spread}) + k % 8 + 8 AS j) AS job
       ) AS d
     ) AS a`,
  ];
}
