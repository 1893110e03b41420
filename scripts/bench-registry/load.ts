// A tiny closed-loop HTTP load generator: `clients` loops, each sending its next request when the
// last one's body has arrived, over keep-alive connections (one per client), until `requests` are
// done. node:http, not fetch: its per-request cost is a fraction of undici's on the cores the
// servers share, so the client takes less from what it measures.
import http from 'node:http';

export type Sample = { ms: number; status: number };
export type LoadResult = { latencies: number[]; seconds: number; failures: string[]; cut: boolean };

/** One GET, timed from the request to the last byte of the body. */
export function getOnce(url: URL, headers: http.OutgoingHttpHeaders, agent: http.Agent): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent, headers }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export type LoadSpec = {
  url: URL;
  headers: http.OutgoingHttpHeaders;
  clients: number;
  requests: number;
  /** A row that would run longer stops here and says how many it sent (a slow row cannot eat the run). */
  maxSeconds: number;
};

/** Runs the closed loop; a non-200 answer is recorded as a failure (a benchmark of 401s flatters). */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.clients });
  const latencies: number[] = [];
  const failures: string[] = [];
  let sent = 0;
  let cut = false;
  const t0 = performance.now();
  const deadline = t0 + spec.maxSeconds * 1000;
  const client = async () => {
    while (sent < spec.requests) {
      if (performance.now() > deadline) {
        cut = true;
        return;
      }
      sent++;
      try {
        const s = await getOnce(spec.url, spec.headers, agent);
        if (s.status === 200) latencies.push(s.ms);
        else failures.push(`HTTP ${s.status}`);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.clients }, client));
  agent.destroy();
  return { latencies, seconds: (performance.now() - t0) / 1000, failures, cut };
}

/**
 * One more client that asks `url` again and again, one request at a time, until stopped: the
 * liveness probe's view of a server while (or without) the list is under load.
 */
export function startProbe(url: URL): { stop: () => Promise<number[]> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const s = await getOnce(url, {}, agent).catch(() => ({ ms: NaN, status: 0 }));
      if (s.status === 200) latencies.push(s.ms);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      return latencies;
    },
  };
}

/** `count` probe requests one after another, nothing else on the server (the idle baseline). */
export async function probeIdle(url: URL, count: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const s = await getOnce(url, {}, agent);
    if (s.status === 200) latencies.push(s.ms);
  }
  agent.destroy();
  return latencies;
}

/** The nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The middle value; with an even count, the mean of the middle two. */
export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
