import type { ArtifactStore } from '../storage/types';
import { ModelValidationError, isModelDeploymentError, unreadableError } from '../formats/errors';
import { registerTrainingJobSchema, type RegisterTrainingJobInput } from '../registry/training-jobs';
import { camelFields } from './contract/common';
import { trainingJobMetadata, trainingReportInput } from './contract/training-jobs';
import { ApiError } from './errors';
import { parseJsonText } from './params';
import type { StoredUpload } from './uploads';
import { runTask, transferable } from '../workers';

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The original's snake_case training-job metadata → the registry's input: the keys the contract's
 * TrainingJobMetadata names, no others (artifact references come from uploaded files only, never
 * from the JSON).
 */
export function trainingJobInputFromMetadata(meta: unknown): RegisterTrainingJobInput {
  if (!isObject(meta)) throw new ApiError('invalid_request', 'training job metadata must be a JSON object');
  const r = meta.report;
  const fields = camelFields(meta, trainingJobMetadata.omit({ report: true }));
  return { ...fields, report: isObject(r) ? camelFields(r, trainingReportInput) : r } as RegisterTrainingJobInput;
}

/** Parses a `metadata` form field and validates it (throws ZodError → 422 with snake_case locs). */
export function parseTrainingJobMetadata(text: string): RegisterTrainingJobInput {
  const input = trainingJobInputFromMetadata(parseJsonText(text, 'the metadata field'));
  registerTrainingJobSchema.parse(input);
  return input;
}

/** Runs a reader over uploaded bytes; an unexpected crash on hostile input is a 422, not a 500. */
export async function parsed<T>(what: 'checkpoint' | 'validation set', fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isModelDeploymentError(e)) throw e;
    // A reader tripping over hostile bytes is still a refusal of those bytes, not a server fault.
    console.error(`${what} reader failed`, e);
    throw unreadableError(what, `the ${what} could not be read: ${(e as Error).message}`);
  }
}

/**
 * Refuses uploaded artifacts that are not what they claim before anything is recorded: the
 * checkpoint must parse as the autoencoder; the validation set must parse and match its input dim.
 */
export async function checkTrainingArtifacts(
  store: ArtifactStore,
  files: { checkpoint?: StoredUpload; validation_set?: StoredUpload },
) {
  const { checkpoint, validation_set: vsFile } = files;
  if (vsFile && !checkpoint) {
    throw new ModelValidationError(
      'validation_set_invalid',
      'a validation set needs the checkpoint it validates; upload both',
    );
  }
  if (!checkpoint) return null;
  // Parsed in a worker: a hostile file costs that worker (time limit, heap ceiling), not the server.
  return runTask('checkTrainingArtifacts', {
    checkpoint: transferable(await store.get(checkpoint.sha256)),
    validationSet: vsFile ? transferable(await store.get(vsFile.sha256)) : undefined,
  });
}
