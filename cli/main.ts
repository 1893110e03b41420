import { parseArgs } from 'node:util';
import { openDatabase } from '../lib/db';
import { getStore } from '../lib/storage';
import { createApiToken } from '../lib/auth/sessions';
import { isEmptyDatabase, seedDemo } from '../lib/registry/seed-demo';
import { listTrainingJobs } from '../lib/registry/training-jobs';
import { SYSTEM_ACTOR } from '../lib/registry/audit';
import { trainingJobToJson } from '../lib/api/serialize';
import type { Actor } from '../lib/auth/permissions';

export const HELP = `drawbridge — the Drawbridge model registry from the command line

Usage: drawbridge <command> [options]

Commands:
  migrate                      Apply pending database migrations.
  seed [--force]               Seed the demo team and training jobs into an empty database
                               (--force tops up a non-empty one; idempotent).
  jobs list [--json] [--status S] [--page N]
                               List training jobs with their reports, newest first.
  tokens create --email E --name N [--days D]
                               Create an API token for a user (prints it once).

Global options:
  --server URL --token T       Talk to a running Drawbridge over HTTP (jobs list) instead of
                               opening the database directly.
  -h, --help                   Show this help.

Environment:
  DRAWBRIDGE_DATA_DIR          Data directory of the embedded database and artifacts (default ./data).
  DATABASE_URL                 postgres:// URL: use PostgreSQL instead of the embedded database.

The embedded database allows one process at a time: while \`npm start\` serves it, use
--server http://localhost:3000 --token <API token> instead.
`;

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        json: { type: 'boolean' },
        force: { type: 'boolean' },
        status: { type: 'string' },
        page: { type: 'string' },
        email: { type: 'string' },
        name: { type: 'string' },
        days: { type: 'string' },
        server: { type: 'string' },
        token: { type: 'string' },
      },
    });
  } catch (e) {
    process.stderr.write(`drawbridge: ${(e as Error).message}\nRun "drawbridge --help" for usage.\n`);
    return 2;
  }
  const { values: o, positionals: [cmd, sub] } = parsed;
  if (o.help || !cmd) {
    process.stdout.write(HELP);
    return o.help ? 0 : 2;
  }
  try {
    if (cmd === 'jobs' && sub === 'list' && o.server) return await jobsListRemote(o.server, o.token, o);
    switch (`${cmd}${sub ? ` ${sub}` : ''}`) {
      case 'migrate':
        return await withDb(async (_db, where) => {
          process.stdout.write(`migrations applied; database at ${where} is up to date\n`);
          return 0;
        });
      case 'seed':
        return await withDb(async (db, where) => {
          if (!o.force && !(await isEmptyDatabase(db))) {
            process.stdout.write(`database at ${where} already has data; not seeding (use --force)\n`);
            return 0;
          }
          const r = await seedDemo(db, getStore());
          process.stdout.write(`seeded ${r.users} demo users and ${r.jobs} training jobs into ${where}\n`);
          return 0;
        });
      case 'jobs list':
        return await withDb(async (db) => {
          const r = await listTrainingJobs(db, SYSTEM_ACTOR, { status: o.status, page: Number(o.page) || 1 });
          printJobs(r.jobs.map(trainingJobToJson), r.total, !!o.json);
          return 0;
        });
      case 'tokens create':
        return await withDb(async (db) => {
          if (!o.email || !o.name) throw new UsageError('tokens create needs --email and --name');
          const user = await db.user.findUnique({ where: { email: o.email.toLowerCase() } });
          if (!user) throw new UsageError(`no user with email ${o.email}`);
          const actor: Actor = { id: user.id, email: user.email, name: user.name, role: user.role, via: 'system' };
          const days = o.days ? Number(o.days) : undefined;
          if (days !== undefined && !(Number.isInteger(days) && days > 0)) throw new UsageError('--days must be a positive whole number');
          const { token } = await createApiToken(db, actor, o.name, days ? new Date(Date.now() + days * 86400_000) : null);
          process.stdout.write(`${token}\n`);
          process.stderr.write(`token "${o.name}" for ${user.email} (${user.role}); shown once, store it safely\n`);
          return 0;
        });
      default:
        throw new UsageError(`unknown command "${[cmd, sub].filter(Boolean).join(' ')}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`drawbridge: ${e.message}\nRun "drawbridge --help" for usage.\n`);
      return 2;
    }
    process.stderr.write(`drawbridge: ${(e as Error).message}\n`);
    return 1;
  }
}

async function withDb(fn: (db: Awaited<ReturnType<typeof openDatabase>>['db'], where: string) => Promise<number>) {
  const { db, adapter, close } = await openDatabase();
  try {
    return await fn(db, `${adapter.kind} (${adapter.location})`);
  } finally {
    await close();
  }
}

type JobJson = ReturnType<typeof trainingJobToJson>;

function printJobs(jobs: JobJson[], total: number, json: boolean) {
  if (json) {
    process.stdout.write(`${JSON.stringify({ total, jobs }, null, 2)}\n`);
    return;
  }
  const rows = jobs.map((j) => [String(j.id), j.job_name, j.status, j.report ? j.report.final_loss.toPrecision(4) : '—']);
  const head = ['ID', 'JOB', 'STATUS', 'FINAL LOSS'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i])).join('  ')}\n`);
  process.stdout.write(`${jobs.length} of ${total} jobs\n`);
}

async function jobsListRemote(server: string, token: string | undefined, o: { status?: string; page?: string; json?: boolean }) {
  if (!token) throw new UsageError('--server needs --token (create one on the API tokens page)');
  const url = new URL('/api/v1/training/jobs', server);
  if (o.status) url.searchParams.set('status', o.status);
  if (o.page) url.searchParams.set('page', o.page);
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  const body = (await res.json().catch(() => ({}))) as { detail?: unknown; jobs?: JobJson[]; total?: number };
  if (!res.ok) throw new Error(`server answered ${res.status}: ${typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail)}`);
  printJobs(body.jobs ?? [], body.total ?? 0, !!o.json);
  return 0;
}
