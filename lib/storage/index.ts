import 'server-only';
import path from 'node:path';
import { dataDir, maxArtifactBytes } from '../config';
import { FsArtifactStore } from './fs-store';
import type { ArtifactStore } from './types';

export * from './types';
export { FsArtifactStore } from './fs-store';

const g = globalThis as unknown as { __drawbridgeStore?: ArtifactStore };

/** The configured store: the filesystem under the data directory (an S3 store can implement ArtifactStore). */
export function getStore(): ArtifactStore {
  g.__drawbridgeStore ??= new FsArtifactStore(path.join(dataDir(), 'artifacts'), maxArtifactBytes());
  return g.__drawbridgeStore;
}
