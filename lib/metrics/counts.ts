/**
 * Counts of domain events (deploys, validations, webhook failures), kept in plain numbers on
 * globalThis so the registry code that records them (also run by the CLI) never loads prom-client;
 * the Prometheus registry (registry.ts) reads them on each scrape. One set per process, shared by
 * route handlers and server actions, which Next.js bundles apart.
 */
export type CountedEvent = 'deploy' | 'validation' | 'webhook_failure';
type Labels = Record<string, string>;
type Tally = Map<string, { labels: Labels; value: number }>;

const g = globalThis as unknown as { __drawbridgeCounts?: Map<CountedEvent, Tally> };
const counts = (g.__drawbridgeCounts ??= new Map());

export function countEvent(event: CountedEvent, labels: Labels): void {
  const tally = counts.get(event) ?? counts.set(event, new Map()).get(event)!;
  const key = JSON.stringify(Object.entries(labels).sort());
  const entry = tally.get(key);
  if (entry) entry.value += 1;
  else tally.set(key, { labels, value: 1 });
}

export function readCounts(event: CountedEvent): { labels: Labels; value: number }[] {
  return [...(counts.get(event)?.values() ?? [])];
}
