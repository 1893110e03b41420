import 'server-only';
import path from 'node:path';
import { dataDir, maxArtifactBytes, s3StoreConfig } from '../config';
import { FsArtifactStore } from './fs-store';
import { S3ArtifactStore } from './s3-store';
import type { ArtifactStore } from './types';

export * from './types';
export { FsArtifactStore } from './fs-store';
export { S3ArtifactStore } from './s3-store';

const g = globalThis as unknown as { __drawbridgeStore?: ArtifactStore };

/**
 * The store the environment names: an S3-compatible bucket when DRAWBRIDGE_S3_BUCKET is set (what
 * several servers share), else the filesystem under the data directory.
 */
export function openConfiguredStore(env: NodeJS.ProcessEnv = process.env): ArtifactStore {
  const s3 = s3StoreConfig(env);
  if (s3) return new S3ArtifactStore({ ...s3, maxBytes: maxArtifactBytes() });
  return new FsArtifactStore(path.join(dataDir(), 'artifacts'), maxArtifactBytes());
}

/** The configured store, one per process. */
export function getStore(): ArtifactStore {
  g.__drawbridgeStore ??= openConfiguredStore();
  return g.__drawbridgeStore;
}
