// `npm run bench:registry`: the Models page's queries over 10 000 exports on embedded PGlite.
// Prints each query's median time and its ratio to a baseline measured in the same run (a
// primary-key lookup of one export), since absolute times drift on shared machines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../lib/db';
import { listExportedModels, type ListExportsInput } from '../lib/registry/exports';
import { SYSTEM_ACTOR } from '../lib/registry/audit';

const N = Number(process.env.BENCH_EXPORTS || 10_000);
const RUNS = 15;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-bench-'));
const { db, close } = await openDatabase(
  { kind: 'pglite', dir },
  { migrationsDir: path.join(import.meta.dirname, '..', 'prisma', 'migrations') },
);

try {
  const ages = [
    [2, 3],
    [3, 4],
    [4, 5],
    [5, 6],
    [6, 7],
    [7, 8],
    [8, 9],
    [9, 12],
  ];
  const formats = ['onnx', 'pytorch', 'pickle', 'safetensors'] as const;
  const t0 = performance.now();
  const hex = (i: number) => i.toString(16).padStart(64, '0');
  await db.artifact.createMany({
    data: Array.from({ length: N }, (_, i) => ({
      sha256: hex(i),
      sizeBytes: 900_000n + BigInt(i),
      mediaType: 'application/octet-stream',
    })),
  });
  for (let start = 0; start < N; start += 2000) {
    await db.modelExport.createMany({
      data: Array.from({ length: Math.min(2000, N - start) }, (_, k) => {
        const i = start + k;
        const [min, max] = ages[i % ages.length];
        const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000);
        return {
          modelId: `autoencoder_${min}.0_${max}.0_${at.toISOString().replace(/[-:]/g, '').slice(0, 15).replace('T', '_')}_${i}`,
          exportTimestamp: at,
          modelVersion: '1.0.0',
          architectureHash: 'h',
          parameterCount: 230_528,
          inputDimension: 832,
          outputDimension: 832,
          ageGroupMin: min,
          ageGroupMax: max,
          compatibilityVersion: '1.0',
          exportFormat: formats[Math.floor(i / ages.length) % 4],
          fileSizeBytes: 900_000n + BigInt(i),
          checksum: hex(i),
          architecture: { input_dim: 832, hidden_dims: [128, 64] },
        };
      }),
    });
  }
  const exports = await db.modelExport.findMany({
    select: { id: true },
    where: { exportFormat: 'onnx' },
    take: N / 10,
  });
  await db.validationRun.createMany({
    data: exports.map((e, i) => ({ modelExportId: e.id, artifactSha256: hex(i), isValid: i % 3 !== 0 })),
  });
  console.log(
    `seeded ${N} exports and ${exports.length} validation runs in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  async function median(fn: () => Promise<unknown>) {
    await fn(); // warm
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      await fn();
      times.push(performance.now() - s);
    }
    return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  }
  const some = await db.modelExport.findFirstOrThrow({ skip: Math.floor(N / 2) });
  const baseline = await median(() => db.modelExport.findUnique({ where: { id: some.id } }));
  const cases: [string, ListExportsInput][] = [
    ['page 1, newest first', {}],
    ['page 200, newest first', { page: 200 }],
    ['age 4–5 + onnx', { ageGroupMin: 4, ageGroupMax: 5, exportFormat: 'onnx' }],
    ['validated, valid', { validation: 'valid' }],
    ['not validated', { validation: 'none' }],
    ['not deployed, largest first', { deployed: 'no', sort: 'size' }],
    ['id contains', { q: '_4.0_5.0_2026' }],
  ];
  console.log(`\nbaseline (one export by primary key): ${baseline.toFixed(2)} ms\n`);
  console.log('query'.padEnd(32), 'median ms'.padStart(10), 'ratio'.padStart(8), '  total');
  for (const [name, filter] of cases) {
    let total = 0;
    const ms = await median(async () => {
      total = (await listExportedModels(db, SYSTEM_ACTOR, filter)).total;
    });
    console.log(
      name.padEnd(32),
      ms.toFixed(2).padStart(10),
      `${(ms / baseline).toFixed(1)}×`.padStart(8),
      `  ${total}`,
    );
  }
} finally {
  await close();
  fs.rmSync(dir, { recursive: true, force: true });
}
