import { SYSTEM_ACTOR } from '../../lib/registry/audit';
import { chainReportToDict, verifyAuditTrail } from '../../lib/registry/audit-export';
import { resolveActor, withDb } from '../local';
import { json } from '../output';
import { API } from '../remote';
import type { CommandImpl } from './types';

type Report = ReturnType<typeof chainReportToDict>;

/** Exit status of a verification that found a broken link (main.ts's help lists it). */
export const CHAIN_BROKEN_EXIT = 4;

export const auditVerify: CommandImpl = {
  help: `Walk the audit trail in order and check every link of its hash chain: each event stores the
SHA-256 of the event before it and of its own content, so an event edited in the database no longer
matches its hash, and a deleted or reordered one breaks the link of the event after it. The chain
head names the newest event, so deleting the newest events shows too. Prints "intact" with the
number of events and the head hash (note the hash elsewhere: a history rewritten with new hashes
will not match it), or the first broken event, the reason and what it means.

Needs audit.read (deployers and admins). The same check is GET /api/v1/audit/verify and the banner
on the console's Audit page.

Exit status: 0 intact; 4 broken; 1 it could not be checked.

Options:
  --json             Print the report as JSON (intact, events, head_hash, last_event_id, broken).

Examples:
  drawbridge audit verify
  drawbridge audit verify --json --server https://drawbridge.example.org --token "$DRAWBRIDGE_TOKEN"
`,
  async run({ v, remote, out }) {
    const report: Report = remote
      ? await remote.get<Report>(API.auditVerify)
      : await withDb(async (db) =>
          chainReportToDict(
            await verifyAuditTrail(db, v.as ? await resolveActor(db, v.as, 'audit verify') : SYSTEM_ACTOR),
          ),
        );
    out(v.json ? json(report) : reportText(report));
    if (report.broken) {
      process.stderr.write(
        `drawbridge: audit chain broken at ${report.broken.event_id === null ? 'its head' : `event ${report.broken.event_id}`} (${report.broken.reason})\n`,
      );
      return CHAIN_BROKEN_EXIT;
    }
    return 0;
  },
};

function reportText(r: Report): string {
  const events = `${r.events} event${r.events === 1 ? '' : 's'}`;
  if (!r.broken)
    return `audit chain intact: ${events}${r.last_event_id === null ? '' : `, newest event ${r.last_event_id}`}\nhead hash: ${r.head_hash}\n`;
  const where = r.broken.event_id === null ? 'its head' : `event ${r.broken.event_id}`;
  return `audit chain BROKEN at ${where} (${r.broken.reason})\n  ${r.broken.message}\n${events} verified before it; head hash: ${r.head_hash}\n`;
}
