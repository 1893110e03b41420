import 'server-only';
import { maxArtifactBytes } from '../config';
import { toAutoencoder } from '../formats/architecture';
import { readCheckpoint } from '../formats/torch-read';
import type { Autoencoder } from '../formats/types';
import { ageRangeFromConfig, type AgeRange } from './age-range';

/**
 * Parses a stored checkpoint into the autoencoder; refuses anything else with the reason. Nothing
 * may inflate past the artifact limit: an upload cannot become bigger than one we would accept.
 * Synchronous and heavy: servers call it through lib/workers (parseCheckpointInWorker).
 */
export function parseCheckpoint(bytes: Uint8Array): Autoencoder {
  return toAutoencoder(readCheckpoint(bytes, { maxInflatedBytes: maxArtifactBytes() }));
}

/** parseCheckpoint, plus the age range the checkpoint's training_config names (null when none). */
export function parseTrainingCheckpoint(bytes: Uint8Array): { ae: Autoencoder; trainingAgeRange: AgeRange | null } {
  const ckpt = readCheckpoint(bytes, { maxInflatedBytes: maxArtifactBytes() });
  return { ae: toAutoencoder(ckpt), trainingAgeRange: ageRangeFromConfig(ckpt.trainingConfig) };
}
