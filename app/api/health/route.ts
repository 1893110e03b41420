// GET /api/health - liveness and database reachability; public.
import { getDatabase } from '@/lib/db';

export async function GET() {
  try {
    const { adapter, db } = await getDatabase();
    await db.$queryRaw`SELECT 1`;
    return Response.json({ status: 'ok', database: adapter.kind });
  } catch {
    return Response.json({ status: 'unavailable' }, { status: 503 });
  }
}
