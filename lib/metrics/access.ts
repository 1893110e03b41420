import crypto from 'node:crypto';
import { DomainError } from '../errors';

/**
 * Who may scrape /api/metrics: a caller presenting DRAWBRIDGE_METRICS_TOKEN as a Bearer token
 * (a Prometheus job's `authorization` setting). The metrics are off, and the route answers 404,
 * when no token is configured: counts of deploys and routes are not for anyone on the network.
 */
export function checkMetricsAccess(req: Request): void {
  const expected = process.env.DRAWBRIDGE_METRICS_TOKEN;
  if (!expected) {
    throw new DomainError('not_found', 'not_found', 'Metrics are off: set DRAWBRIDGE_METRICS_TOKEN to turn them on.');
  }
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.get('authorization') ?? '')?.[1]?.trim() ?? '';
  // Compared as hashes: equal lengths, so the comparison time says nothing about the token.
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  if (!given || !crypto.timingSafeEqual(digest(given), digest(expected))) {
    throw new DomainError(
      'unauthenticated',
      'unauthenticated',
      'Send the metrics token as "Authorization: Bearer <DRAWBRIDGE_METRICS_TOKEN>".',
    );
  }
}
