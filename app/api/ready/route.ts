// GET /api/ready - readiness: database and artifact store reachable, every migration applied; public.
import { getDb } from '@/lib/db';
import { checkReadiness } from '@/lib/metrics/readiness';
import { getStore } from '@/lib/storage';

export async function GET() {
  const r = await checkReadiness({ db: getDb, store: getStore });
  return Response.json(
    { status: r.ready ? 'ready' : 'not_ready', checks: r.checks },
    { status: r.ready ? 200 : 503, headers: { 'Cache-Control': 'no-store' } },
  );
}
