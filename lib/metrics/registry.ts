import 'server-only';
import client from 'prom-client';
import { getDb } from '../db';
import { readCounts, type CountedEvent } from './counts';
import { routePattern } from './route-pattern';

/**
 * The Prometheus registry of this process (GET /api/metrics): request count and latency by route
 * pattern, deploys, validations, webhook failures (from counts.ts), and, read from the database on
 * each scrape, the webhook queue depth and the bytes the artifact store holds. On globalThis: one
 * per process, surviving Next.js dev reloads (a second registration of a name would throw).
 */
type Metrics = {
  registry: client.Registry;
  requests: client.Counter<'route' | 'method' | 'status'>;
  latency: client.Histogram<'route' | 'method'>;
};

function eventCounter(registry: client.Registry, name: string, help: string, event: CountedEvent, labels: string[]) {
  return new client.Counter({
    name,
    help,
    labelNames: labels,
    registers: [registry],
    // The counts live in counts.ts (written where no registry is loaded); a scrape copies them.
    collect() {
      this.reset();
      for (const c of readCounts(event)) this.inc(c.labels, c.value);
    },
  });
}

function createMetrics(): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'drawbridge_' });
  eventCounter(registry, 'drawbridge_deploys_total', 'Deploys by environment and outcome.', 'deploy', [
    'environment',
    'outcome',
  ]);
  eventCounter(registry, 'drawbridge_validations_total', 'Validation runs by outcome.', 'validation', ['outcome']);
  eventCounter(
    registry,
    'drawbridge_webhook_delivery_failures_total',
    'Failed webhook delivery attempts by reason.',
    'webhook_failure',
    ['reason'],
  );
  new client.Gauge({
    name: 'drawbridge_webhook_deliveries_pending',
    help: 'Webhook deliveries waiting to be sent (the queue, shared by every server of the database).',
    registers: [registry],
    async collect() {
      this.set(await (await getDb()).webhookDelivery.count({ where: { status: 'pending' } }));
    },
  });
  new client.Gauge({
    name: 'drawbridge_artifact_bytes',
    help: 'Bytes of the artifacts the registry records (checkpoints, validation sets, exports).',
    registers: [registry],
    async collect() {
      const sum = await (await getDb()).artifact.aggregate({ _sum: { sizeBytes: true } });
      this.set(Number(sum._sum.sizeBytes ?? 0));
    },
  });
  return {
    registry,
    requests: new client.Counter({
      name: 'drawbridge_http_requests_total',
      help: 'API requests by route pattern, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    latency: new client.Histogram({
      name: 'drawbridge_http_request_duration_seconds',
      help: 'API request latency by route pattern and method, until the response starts.',
      labelNames: ['route', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

const g = globalThis as unknown as { __drawbridgeMetrics?: Metrics };
const metrics = () => (g.__drawbridgeMetrics ??= createMetrics());

/** Runs one API request, counting it and timing it under its route pattern. */
export async function observeRequest(
  req: Request,
  params: Promise<Record<string, string | string[]> | undefined>,
  run: () => Promise<Response>,
): Promise<Response> {
  const started = performance.now();
  const res = await run();
  const m = metrics();
  const route = routePattern(req.url, await params.catch(() => undefined));
  m.requests.inc({ route, method: req.method, status: String(res.status) });
  m.latency.observe({ route, method: req.method }, (performance.now() - started) / 1000);
  return res;
}

/** The text exposition of every metric. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  const { registry } = metrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
}
