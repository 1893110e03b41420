import 'server-only';
import type { Actor } from '../auth/permissions';
import type { Db } from '../db';
import { previewSummaryFromReconstruction, type TestSummaryOptions } from '../preview/summary-from-reconstruction';
import type { PreviewSummary } from '../preview/summary';
import type { ArtifactStore } from '../storage/types';
import { computeServerReconstruction, getPreviewSources, type ServerReconstruction } from './reconstruction';

/** Reads need models.read only; tests attach as whoever they like. */
const READER: Actor = {
  id: 'test-preview',
  email: 'test-preview@localhost',
  name: 'test',
  role: 'admin',
  via: 'session',
};

// One reconstruction per bytes + samples per database: a test file attaching many summaries pays once.
const cache = new WeakMap<Db, Map<string, Promise<ServerReconstruction>>>();

/**
 * The preview summary a reviewer's browser would attach for `modelId`, built from the server's
 * onnxruntime-node reconstruction with lib/preview/summary.ts, at the threshold the preview would
 * choose (the export's deployment threshold, else the 95th percentile of the normal samples).
 */
export async function computePreviewSummaryForTest(
  db: Db,
  store: ArtifactStore,
  modelId: string,
  opts: Omit<TestSummaryOptions, 'deployment'> = {},
): Promise<PreviewSummary> {
  const sources = await getPreviewSources(db, READER, modelId);
  const key = `${modelId}:${sources.candidate.sha256}:${sources.validationSet?.sha256}`;
  let perDb = cache.get(db);
  if (!perDb) cache.set(db, (perDb = new Map()));
  let rec = perDb.get(key);
  if (!rec) {
    rec = computeServerReconstruction(db, store, READER, modelId);
    perDb.set(key, rec);
    rec.catch(() => perDb.delete(key));
  }
  return previewSummaryFromReconstruction(await rec, { ...opts, deployment: sources.deploymentThreshold });
}
