import { collectGarbage, DEFAULT_GRACE_MINUTES, type GcReport, type OrphanInfo } from '../../lib/registry/artifact-gc';
import { SYSTEM_ACTOR } from '../../lib/registry/audit';
import { getStore } from '../../lib/storage';
import { formatBytes } from '../../lib/storage/fs-store';
import { UsageError } from '../args';
import { withDb } from '../local';
import { json, table } from '../output';
import type { CommandImpl } from './types';

export const gcCommand: CommandImpl = {
  help: `Find the artifact store's objects that no database row references (no training job, report,
export, deployment, request, review, preview summary or catalogue entry): bytes a crash left between
writing an upload and recording it. A dry run by default: it prints what it would free (count,
bytes, each hash and its age) and deletes nothing. Only objects older than the grace period are
candidates, so an upload being recorded right now is never touched; an object a row points to is
never deleted. Stale temp files of interrupted writes go too. A run that deletes is audited
(artifact.gc, as the system). The server runs the same sweep when it starts
(DRAWBRIDGE_GC_GRACE_MINUTES, default ${DEFAULT_GRACE_MINUTES}).

Options:
  --apply            Delete them (default: dry run).
  --grace MINUTES    Keep unreferenced objects written less than this long ago (default ${DEFAULT_GRACE_MINUTES}; 0: none).
  --json             Print the report as JSON.

Examples:
  drawbridge gc
  drawbridge gc --apply --grace 1440
`,
  async run({ v, out }) {
    const cmd = 'gc';
    const graceMinutes = v.grace === undefined ? DEFAULT_GRACE_MINUTES : Number(v.grace);
    if (v.grace !== undefined && !(/^\s*\d+(\.\d+)?\s*$/.test(v.grace) && Number.isFinite(graceMinutes))) {
      throw new UsageError(`--grace must be a number of minutes, 0 or more (got "${v.grace}")`, cmd);
    }
    const report = await withDb((db) =>
      collectGarbage(db, getStore(), SYSTEM_ACTOR, { graceMinutes, apply: !!v.apply }),
    );
    out(v.json ? json(reportJson(report)) : reportText(report));
    return 0;
  },
};

function reportJson(r: GcReport) {
  const o = (x: OrphanInfo) => ({
    sha256: x.sha256,
    size_bytes: x.sizeBytes,
    modified_at: x.modifiedAt.toISOString(),
    age_seconds: x.ageSeconds,
  });
  return {
    applied: r.applied,
    grace_minutes: r.graceMinutes,
    orphans: r.orphans.map(o),
    orphan_bytes: r.orphanBytes,
    deleted: r.deleted,
    deleted_bytes: r.deletedBytes,
    fresh: r.fresh.map(o),
    referenced: r.referenced,
    missing: r.missing,
    temp_files: r.tempFiles,
    temp_bytes: r.tempBytes,
  };
}

function reportText(r: GcReport): string {
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  let s = r.applied
    ? `freed ${n(r.deleted.length, 'unreferenced artifact')}, ${r.deletedBytes} bytes (${formatBytes(r.deletedBytes)}); grace ${r.graceMinutes} min\n`
    : `dry run: would free ${n(r.orphans.length, 'unreferenced artifact')}, ${r.orphanBytes} bytes (${formatBytes(r.orphanBytes)}); grace ${r.graceMinutes} min\n`;
  if (r.orphans.length) {
    s += table(
      ['SHA256', 'BYTES', 'AGE', r.applied ? 'DELETED' : 'ACTION'],
      r.orphans.map((o) => [
        o.sha256,
        String(o.sizeBytes),
        age(o.ageSeconds),
        r.applied ? (r.deleted.includes(o.sha256) ? 'yes' : 'kept (in use again)') : 'would delete',
      ]),
    );
  }
  s += `kept: ${n(r.referenced, 'referenced artifact')}, ${r.fresh.length} unreferenced younger than the grace period\n`;
  for (const f of r.fresh) s += `  ${f.sha256}  ${f.sizeBytes}  ${age(f.ageSeconds)} old\n`;
  s += `stale temp files: ${r.tempFiles} (${r.tempBytes} bytes)${r.tempFiles && !r.applied ? ', would delete' : ''}\n`;
  if (r.missing.length)
    s += `warning: ${n(r.missing.length, 'referenced artifact')} missing from the store (restore from backup): ${r.missing.join(', ')}\n`;
  if (!r.applied && (r.orphans.length || r.tempFiles)) s += 'run "drawbridge gc --apply" to delete them\n';
  return s;
}

function age(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
