/**
 * The OpenAPI document matches the route files exactly: every app/api/**\/route.ts path and every
 * HTTP method it exports, no more and no fewer, with the permission each one checks; it is
 * internally consistent; and it is generated from the contract, not written beside it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONTRACT_SCHEMAS, PATHS } from '@/lib/api/contract';
import { trainingJobListQuery } from '@/lib/api/contract/training-jobs';
import { buildOpenApiDocument, openApiDocument } from '@/lib/api/openapi';
import { PERMISSIONS } from '@/lib/auth/permissions';
import { GET as openApiGET } from './v1/openapi.json/route';

const GET = () => openApiGET(new Request('http://test/api/v1/openapi.json'), { params: Promise.resolve({}) });

const APP = path.resolve(import.meta.dirname, '..');
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return routeFiles(p);
    return /^route\.(ts|tsx|js)$/.test(e.name) ? [p] : [];
  });
}

/** app/api/v1/training/jobs/[id]/route.ts → /api/v1/training/jobs/{id} (route groups dropped). */
function urlPathOf(file: string): string {
  const segments = path
    .relative(APP, path.dirname(file))
    .split(path.sep)
    .filter((s) => !/^\(.*\)$/.test(s));
  return '/' + segments.map((s) => s.replace(/^\[(\w+)\]$/, '{$1}')).join('/');
}

describe('OpenAPI document', () => {
  const doc = openApiDocument() as unknown as {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        { security?: unknown[]; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }
      >
    >;
    components: {
      schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
      securitySchemes: Record<string, unknown>;
    };
  };

  it('has exactly the paths and methods the route files export', async () => {
    const files = routeFiles(path.join(APP, 'api'));
    expect(files.length).toBeGreaterThanOrEqual(17);
    const fromRoutes: Record<string, string[]> = {};
    for (const f of files) {
      const mod = (await import(/* @vite-ignore */ f)) as Record<string, unknown>;
      fromRoutes[urlPathOf(f)] = HTTP_METHODS.filter((m) => typeof mod[m] === 'function')
        .map((m) => m.toLowerCase())
        .sort();
    }
    const fromDoc = Object.fromEntries(Object.entries(doc.paths).map(([p, ops]) => [p, Object.keys(ops).sort()]));
    expect(fromDoc).toEqual(fromRoutes);
  });

  it('is consistent: refs resolve, path parameters declared, secured operations answer 401/403', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearerAuth', 'cookieAuth']);
    const text = JSON.stringify(doc);
    for (const [, kind, name] of text.matchAll(/"#\/components\/(schemas|responses)\/([^"]+)"/g)) {
      expect((doc.components as Record<string, Record<string, unknown>>)[kind][name], `${kind}/${name}`).toBeDefined();
    }
    for (const [p, ops] of Object.entries(doc.paths)) {
      const names = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, o] of Object.entries(ops)) {
        const declared = (o.parameters ?? []).filter((x) => x.in === 'path').map((x) => x.name);
        expect(declared.sort(), `${method} ${p}`).toEqual(names.sort());
        const isPublic = Array.isArray(o.security) && o.security.length === 0;
        if (!isPublic)
          expect(Object.keys(o.responses), `${method} ${p}`).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
    expect(doc.paths['/api/health'].get.security).toEqual([]);
    expect(doc.paths['/api/v1/openapi.json'].get.security).toEqual([]);
  });

  it('describes the 16-field ModelExportMetadata, plus its age-range override', () => {
    const m = doc.components.schemas.ModelExportMetadata;
    const fields = [
      'model_id',
      'export_timestamp',
      'training_job_id',
      'model_type',
      'model_version',
      'architecture_hash',
      'parameter_count',
      'input_dimension',
      'output_dimension',
      'age_group_min',
      'age_group_max',
      'training_metrics',
      'compatibility_version',
      'export_format',
      'file_size_bytes',
      'checksum',
      // Not the original's: set when the export's ages differ from its training job's.
      'age_range_override',
    ];
    expect(Object.keys(m.properties!).sort()).toEqual([...fields].sort());
    expect(m.required!.sort()).toEqual([...fields].sort());
  });

  it('is served publicly as JSON', async () => {
    const res = await GET();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect((await res.json()).openapi).toBe('3.1.0');
  });

  it('names the permission each route checks, and the roles the permission map gives it', async () => {
    for (const f of routeFiles(path.join(APP, 'api'))) {
      const mod = (await import(/* @vite-ignore */ f)) as Record<string, { permission?: string }>;
      for (const m of HTTP_METHODS.filter((x) => typeof mod[x] === 'function')) {
        const o = doc.paths[urlPathOf(f)][m.toLowerCase()] as {
          'x-permission'?: keyof typeof PERMISSIONS;
          'x-roles'?: string[];
        };
        expect(o['x-permission'], `${m} ${urlPathOf(f)}`).toBe(mod[m].permission);
        if (o['x-permission']) expect(o['x-roles']).toEqual(PERMISSIONS[o['x-permission']]);
      }
    }
  });

  it('is generated from the contract: a field added to a schema or a query appears in the document', () => {
    const probe = z.string().describe('A field only this test adds');
    const listJobs = PATHS['/api/v1/training/jobs'].get!;
    const probed = buildOpenApiDocument({
      schemas: { ...CONTRACT_SCHEMAS, TrainingJob: CONTRACT_SCHEMAS.TrainingJob.extend({ probe_field: probe }) },
      paths: {
        ...PATHS,
        '/api/v1/training/jobs': {
          ...PATHS['/api/v1/training/jobs'],
          get: { ...listJobs, query: trainingJobListQuery.extend({ probe_param: probe.optional() }) },
        },
      },
    }) as unknown as typeof doc;
    const job = probed.components.schemas.TrainingJob;
    expect(job.properties!.probe_field).toEqual({ type: 'string', description: 'A field only this test adds' });
    expect(job.required).toContain('probe_field');
    const params = probed.paths['/api/v1/training/jobs'].get.parameters!;
    expect(params.find((p) => p.name === 'probe_param')).toEqual({
      name: 'probe_param',
      in: 'query',
      required: false,
      schema: { type: 'string', description: 'A field only this test adds' },
    });
    // The real document has neither, and the route serves the real one.
    expect(doc.components.schemas.TrainingJob.properties).not.toHaveProperty('probe_field');
    expect(doc.paths['/api/v1/training/jobs'].get.parameters!.map((p) => p.name)).toEqual([
      'page',
      'page_size',
      'status',
    ]);
  });

  it('serves the generated document', async () => {
    expect(await (await GET()).json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });
});
