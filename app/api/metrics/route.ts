// GET /api/metrics - Prometheus metrics of this server; Bearer DRAWBRIDGE_METRICS_TOKEN (404 when unset).
import { errorResponse } from '@/lib/api/errors';
import { checkMetricsAccess } from '@/lib/metrics/access';
import { renderMetrics } from '@/lib/metrics/registry';

export async function GET(req: Request) {
  try {
    checkMetricsAccess(req);
    const { contentType, body } = await renderMetrics();
    return new Response(body, { headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' } });
  } catch (e) {
    const res = errorResponse(e);
    if (res.status === 401) res.headers.set('WWW-Authenticate', 'Bearer realm="drawbridge-metrics"');
    return res;
  }
}
