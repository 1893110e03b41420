import 'server-only';
import { requirePermission, type Actor } from '../auth/permissions';
import type { Db } from '../db';
import { auditWhere, type AuditFilter } from './audit';
import { verifyAuditChain, type ChainReport } from './audit-chain';

/**
 * The audit log as a file: JSON lines or CSV, oldest first (chain order, so a reader can re-check
 * the links), streamed in batches so a long history is never in memory at once.
 */
export type AuditExportFormat = 'jsonl' | 'csv';

export const AUDIT_EXPORT_TYPES: Record<AuditExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/** Every stored field, in the order the JSON page form lists them. */
const COLUMNS = [
  'id',
  'createdAt',
  'actorId',
  'actorLabel',
  'action',
  'subjectType',
  'subjectId',
  'before',
  'after',
  'prevHash',
  'hash',
] as const;

type Row = Record<(typeof COLUMNS)[number], unknown>;

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break. A cell a spreadsheet
 * would run as a formula (= + - @, or a leading tab or CR) gets a leading apostrophe, so an actor
 * label or subject id typed by a user cannot execute in whoever opens the export.
 */
export function csvCell(v: unknown): string {
  let s =
    v === null || v === undefined
      ? ''
      : v instanceof Date
        ? v.toISOString()
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const csvLine = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;

function encodeRow(format: AuditExportFormat, r: Row): string {
  if (format === 'jsonl') return `${JSON.stringify(Object.fromEntries(COLUMNS.map((c) => [c, r[c] ?? null])))}\n`;
  return csvLine(COLUMNS.map((c) => r[c]));
}

export function streamAuditEvents(
  db: Db,
  actor: Actor,
  filter: AuditFilter,
  format: AuditExportFormat,
  batchSize = 500,
): ReadableStream<Uint8Array> {
  requirePermission(actor, 'audit.read');
  const where = auditWhere(filter);
  const enc = new TextEncoder();
  let cursor = 0;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = '';
      if (!started && format === 'csv') text += csvLine([...COLUMNS]);
      started = true;
      const rows = await db.auditEvent.findMany({
        where: { ...where, id: { gt: cursor } },
        orderBy: { id: 'asc' },
        take: batchSize,
      });
      for (const r of rows) text += encodeRow(format, r);
      if (text) controller.enqueue(enc.encode(text));
      if (rows.length < batchSize) controller.close();
      else cursor = rows[rows.length - 1].id;
    },
  });
}

export async function verifyAuditTrail(db: Db, actor: Actor): Promise<ChainReport> {
  requirePermission(actor, 'audit.read');
  return verifyAuditChain(db);
}

/** The API's (and the CLI's --json) form of a verification. */
export function chainReportToDict(r: ChainReport) {
  return {
    intact: r.intact,
    events: r.events,
    head_hash: r.headHash,
    last_event_id: r.lastEventId,
    broken: r.broken ? { event_id: r.broken.eventId, reason: r.broken.reason, message: r.broken.message } : null,
  };
}
