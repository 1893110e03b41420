/** Wire shapes of the system routes: health, the caller, the audit log and its hash chain. */
import { z } from 'zod';
import { PERMISSIONS, ROLES, type Permission } from '../../auth/permissions';
import { pageParam } from '../params';
import { cappedTotal, dateTime, jsonObject, pageOf, sha256 } from './common';
import { binary } from './artifacts';
import type { PathTable } from './operation';

export const healthResponse = z.object({
  status: z.literal('ok'),
  database: z.enum(['pglite', 'postgres']),
});

const readinessCheck = z.object({ ok: z.boolean(), error: z.string().optional() });
export const readyResponse = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({
    database: readinessCheck,
    store: readinessCheck,
    migrations: readinessCheck.extend({ pending: z.array(z.string()).describe('Migrations not applied').optional() }),
  }),
});

export const meResponse = z.object({
  id: z.string(),
  email: z.email(),
  name: z.string(),
  role: z.enum(ROLES),
  via: z.enum(['session', 'token']),
  permissions: z.array(z.enum(Object.keys(PERMISSIONS) as [Permission, ...Permission[]])),
});

export const auditEventResponse = z.object({
  id: z.int(),
  createdAt: dateTime(),
  actorId: z.string().describe('The user; null for the system or a deleted account').nullable(),
  actorLabel: z.string().describe('Name <email> at the time, kept if the account goes'),
  action: z.string().describe('verb.noun, e.g. model.deploy'),
  subjectType: z.string(),
  subjectId: z.string(),
  before: jsonObject().nullable(),
  after: jsonObject().nullable(),
  prevHash: sha256("The previous event's hash (64 zeros for the first)").nullable(),
  hash: sha256(
    'SHA-256 of the canonical JSON (sorted keys) of prevHash, id, createdAt, actorId, actorLabel, action, subjectType, subjectId, before, after',
  ).nullable(),
});
export type AuditEventResponse = z.infer<typeof auditEventResponse>;

export const auditEventListResponse = pageOf('events', auditEventResponse).extend(cappedTotal('events'));

export const auditChainReportResponse = z.object({
  intact: z.boolean(),
  events: z.int().describe('Events verified (before the break, when broken)'),
  head_hash: sha256('The newest link: keep it elsewhere, and a rewritten history no longer matches it'),
  last_event_id: z.int().nullable(),
  broken: z
    .object({
      event_id: z
        .int()
        .describe('The first event whose link fails; null when the break is at the head (newest events deleted)')
        .nullable(),
      reason: z.enum(['hash_mismatch', 'prev_hash_mismatch', 'unchained', 'head_mismatch', 'head_missing']),
      message: z.string(),
    })
    .nullable(),
});

/** Query of GET /api/v1/audit. */
export const auditListQuery = z.object({
  actor_id: z.string().optional(),
  action: z.string().describe('Prefix of the action').optional(),
  subject_type: z.string().optional(),
  subject_id: z.string().optional(),
  page: pageParam.default(1),
  format: z.enum(['json', 'jsonl', 'csv']).optional().meta({ default: 'json' }),
});

export const systemSchemas = {
  Health: healthResponse,
  Ready: readyResponse,
  Me: meResponse,
  AuditEventList: auditEventListResponse,
  AuditEvent: auditEventResponse,
  AuditChainReport: auditChainReportResponse,
};

export const systemPaths: PathTable = {
  '/api/health': {
    get: {
      operationId: 'health',
      summary: 'Liveness and the configured database kind (queries nothing; readiness is /api/ready)',
      tag: 'system',
      responses: {
        '200': { schema: 'Health' },
      },
    },
  },
  '/api/ready': {
    get: {
      operationId: 'ready',
      summary: 'Readiness: database and artifact store reachable, migrations applied',
      tag: 'system',
      responses: {
        '200': { schema: 'Ready' },
        '503': { schema: 'Ready', description: 'Not ready: the failing checks say what is wrong' },
      },
    },
  },
  '/api/metrics': {
    get: {
      operationId: 'metrics',
      summary: 'Prometheus metrics of this server',
      description:
        'Needs `Authorization: Bearer <DRAWBRIDGE_METRICS_TOKEN>` (not an API token); 404 while DRAWBRIDGE_METRICS_TOKEN is unset.',
      tag: 'system',
      responses: {
        '200': {
          raw: {
            description: 'The Prometheus text format',
            content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } },
          },
        },
        '401': { raw: { $ref: '#/components/responses/Unauthenticated' } },
      },
      errors: [404],
    },
  },
  '/api/v1/openapi.json': {
    get: {
      operationId: 'openapi',
      summary: 'This document',
      tag: 'system',
      responses: {
        '200': { raw: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    },
  },
  '/api/v1/me': {
    get: {
      operationId: 'me',
      summary: 'Who the token or session acts as, and its permissions',
      tag: 'system',
      permission: 'models.read',
      responses: { '200': { schema: 'Me' } },
    },
  },
  '/api/v1/audit': {
    get: {
      operationId: 'listAuditEvents',
      summary: 'Audit events, newest first; or the whole matching log as JSON lines or CSV',
      description:
        'The JSON form pages newest first. `format=jsonl` (or `Accept: application/x-ndjson`) and `format=csv` (or `Accept: text/csv`) stream every matching event oldest first (chain order), hashes included, as an attachment; CSV cells are RFC 4180-quoted and a cell starting with = + - @ (or a tab or CR) gets a leading apostrophe so spreadsheets do not run it.',
      tag: 'system',
      permission: 'audit.read',
      query: auditListQuery,
      responses: {
        '200': {
          schema: 'AuditEventList',
          description:
            'A page of events (JSON), or the log (JSON lines: one AuditEvent per line; CSV: a header row, then the same fields)',
          alternatives: { 'application/x-ndjson': binary, 'text/csv': binary },
        },
      },
      errors: [422],
    },
  },
  '/api/v1/audit/verify': {
    get: {
      operationId: 'verifyAuditChain',
      summary: 'Check the audit hash chain; the first edited, deleted or reordered event',
      description:
        'Walks every event in order. 200 either way: `intact` says which. `drawbridge audit verify` calls this over --server.',
      tag: 'system',
      permission: 'audit.read',
      responses: { '200': { schema: 'AuditChainReport' } },
    },
  },
  '/api/v1/backup': {
    get: {
      operationId: 'createBackup',
      summary: 'A consistent archive (tar) of the database and every artifact, streamed',
      description:
        'manifest.json (format drawbridge-backup v1: migrations, tables with row counts, sequences, the SHA-256 and size of the dump and of every artifact), then database.jsonl (every row, one read-only REPEATABLE READ snapshot, dependency order), then artifacts/<sha256>. `drawbridge backup` calls this and verifies the archive before keeping it; `drawbridge restore` reads it. Audited (backup.create). A store that lost or changed a catalogued artifact answers 500 backup_failed, or ends the stream early.',
      tag: 'system',
      permission: 'backup.create',
      responses: {
        '200': {
          raw: {
            description: 'The archive',
            headers: {
              'Content-Length': { schema: { type: 'integer' } },
              'Content-Disposition': {
                schema: { type: 'string', description: 'attachment; filename="drawbridge-backup-<UTC time>.tar"' },
              },
              'Cache-Control': { schema: { type: 'string', const: 'no-store' } },
            },
            content: { 'application/x-tar': binary },
          },
        },
      },
    },
  },
};
