// GET /api/health - liveness; public. It touches neither the database nor the store: the embedded
// database is one connection, so a health query would wait behind a slow list and report a live
// server as dead. Whether this server can serve is /api/ready's question.
import { databaseTarget } from '@/lib/config';

export function GET() {
  return Response.json({ status: 'ok', database: databaseTarget().kind });
}
