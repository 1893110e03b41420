// Bearer-token guessing over the real route handler (GET /api/v1/me) on an embedded database:
// the client address comes from X-Forwarded-For as Next.js's server sets it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THROTTLE_POLICIES } from './throttle';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-throttle-route-'));
let GET: (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
let token: string;
let close: () => Promise<void>;

beforeAll(async () => {
  process.env.DRAWBRIDGE_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  const { getDatabase } = await import('@/lib/db');
  const { createApiToken } = await import('./sessions');
  const opened = await getDatabase();
  close = opened.close;
  const u = await opened.db.user.create({
    data: { email: 'pipeline@x.test', name: 'Pipeline', role: 'deployer', passwordHash: '-' },
  });
  token = (
    await createApiToken(opened.db, { id: u.id, email: u.email, name: u.name, role: 'deployer', via: 'session' }, 'ci')
  ).token;
  ({ GET } = await import('@/app/api/v1/me/route'));
}, 120_000);
afterAll(async () => {
  await close?.();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const me = (bearer: string, ip: string) =>
  GET(
    new Request('http://127.0.0.1:3000/api/v1/me', {
      headers: { authorization: `Bearer ${bearer}`, 'x-forwarded-for': ip },
    }),
    { params: Promise.resolve({}) },
  );

describe('API-token guessing over HTTP', () => {
  it('10 bad tokens → 401 each; the 11th request, with a valid token, is 429 too_many_attempts with Retry-After', async () => {
    const ip = '203.0.113.50';
    expect((await me(token, ip)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i <= THROTTLE_POLICIES.token.freeFailures; i++)
      statuses.push((await me(`dbt_guess-${i}`, ip)).status);
    expect(statuses).toEqual(Array(10).fill(401));
    const refused = await me(token, ip);
    expect(refused.status).toBe(429);
    const retry = Number(refused.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(2);
    expect(await refused.json()).toMatchObject({
      code: 'too_many_attempts',
      detail: expect.stringMatching(/Try again in \d+ seconds?/),
    });
    // Another address is not held up, and the back-off runs out on its own.
    expect((await me(token, '203.0.113.51')).status).toBe(200);
    await new Promise((r) => setTimeout(r, retry * 1000 + 100));
    expect((await me(token, ip)).status).toBe(200);
  });

  it('the OpenAPI document lists 429 TooManyAttempts, with Retry-After, on every secured operation', async () => {
    const { openApiDocument } = await import('@/lib/api/openapi');
    const doc = openApiDocument() as {
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
      components: { responses: Record<string, { headers?: Record<string, unknown> }> };
    };
    let secured = 0;
    for (const ops of Object.values(doc.paths)) {
      for (const o of Object.values(ops)) {
        if (o.security?.length === 0) continue;
        secured++;
        expect(o.responses['429']).toEqual({ $ref: '#/components/responses/TooManyAttempts' });
      }
    }
    expect(secured).toBeGreaterThan(20);
    expect(doc.components.responses.TooManyAttempts.headers).toHaveProperty('Retry-After');
  });
});
