import { describe, expect, it } from 'vitest';
import type { Actor, Role } from '@/lib/auth/permissions';
import { ortVersion } from '@/lib/preview/ort-assets';
import { createShareLink, revokeShareLink } from '@/lib/registry/share-links';
import { db, exportDemoJob, useSeededApi } from '@/app/api/test-harness';
import * as artifactRoute from './artifacts/[sha256]/route';
import * as ortRoute from './ort/[version]/[file]/route';

// The routes a share page's preview loads: the real handlers over the seeded demo registry.
useSeededApi();

async function actor(role: Role): Promise<Actor> {
  const u = await db.user.findFirstOrThrow({ where: { role } });
  return { id: u.id, email: u.email, name: u.name, role, via: 'session' };
}

const artifact = (token: string, sha256: string, headers: Record<string, string> = {}) =>
  artifactRoute.GET(new Request(`http://test/share/${token}/artifacts/${sha256}`, { headers }), {
    params: Promise.resolve({ token, sha256 }),
  });
const runtime = (token: string, file = 'ort-wasm-simd-threaded.wasm', version = ortVersion()) =>
  ortRoute.GET(new Request(`http://test/share/${token}/ort/${version}/${file}`), {
    params: Promise.resolve({ token, version, file }),
  });

async function expectNotFound(res: Response) {
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ detail: 'Not found', code: 'not_found' });
}

describe('share-scoped artifact and runtime routes', () => {
  it('serve the link’s export and validation set only, with Range, and nothing once revoked or expired', async () => {
    const { onnx, pytorch } = await exportDemoJob(['onnx', 'pytorch']);
    const job = await db.modelExport.findUniqueOrThrow({
      where: { modelId: onnx.model_id },
      select: { trainingJob: { select: { validationSha256: true } } },
    });
    const vsSha = job.trainingJob!.validationSha256!;
    const deployer = await actor('deployer');
    const { token, link } = await createShareLink(db, deployer, onnx.model_id);

    const full = await artifact(token, onnx.checksum);
    expect(full.status).toBe(200);
    expect(full.headers.get('etag')).toBe(`"${onnx.checksum}"`);
    expect(full.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const bytes = new Uint8Array(await full.arrayBuffer());
    expect(bytes.byteLength).toBe(Number(full.headers.get('content-length')));
    const part = await artifact(token, onnx.checksum, { range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${bytes.byteLength}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(10, 20));
    expect((await artifact(token, vsSha)).status).toBe(200);

    // Another export of the same job exists in the store, and still is not this link's to give.
    await expectNotFound(await artifact(token, pytorch.checksum));
    await expectNotFound(await artifact(token, 'f'.repeat(64)));
    await expectNotFound(await artifact(token, '../../etc/passwd'));

    const wasm = await runtime(token);
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(wasm.headers.get('cache-control')).toMatch(/^private/);
    await wasm.body?.cancel();
    await expectNotFound(await runtime(token, 'ort.node.min.mjs'));
    await expectNotFound(await runtime(token, 'ort.wasm.min.mjs', '0.0.0'));
    // Runtime and artifact fetches are not page views.
    expect((await db.shareLink.findUniqueOrThrow({ where: { id: link.id } })).accessCount).toBe(0);

    expect(await revokeShareLink(db, deployer, link.id)).toBe(true);
    await expectNotFound(await artifact(token, onnx.checksum));
    await expectNotFound(await runtime(token));

    const expiring = await createShareLink(db, deployer, onnx.model_id, { expiresInDays: 1 });
    expect((await artifact(expiring.token, vsSha)).status).toBe(200);
    await db.shareLink.update({ where: { id: expiring.link.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expectNotFound(await artifact(expiring.token, vsSha));
    await expectNotFound(await runtime(expiring.token));
    await expectNotFound(await artifact(`${expiring.token.split('.')[0]}.forged`, vsSha));
  });
});
