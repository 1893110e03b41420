import { z } from 'zod';
import { checkDeclaredArchitecture } from '../formats/architecture';
import type { PlainValue } from '../formats/types';
import { exportDirectSchema, type ExportDirectInput } from '../registry/exports';
import { parseCheckpointInWorker } from '../workers';
import type { ArtifactStore } from '../storage/types';
import { parseJsonText, type Params } from './params';
import { parsed } from './training-job-input';
import type { StoredUpload } from './uploads';

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

const modelInfoSchema = z
  .record(z.string(), z.unknown(), { message: 'model_info must be a JSON object' })
  .refine((m) => m.model_architecture === undefined || isObject(m.model_architecture), {
    message: 'model_info.model_architecture must be a JSON object',
    path: ['model_architecture'],
  });

/** export_model_direct's form fields (+ the stored checkpoint) → the registry's input, validated. */
export function exportDirectInput(
  p: Params,
  checkpoint: StoredUpload | undefined,
): ExportDirectInput & { modelInfo: Record<string, unknown> } {
  z.object({
    checkpoint: z.object({ sha256: z.string() }, { message: 'upload the checkpoint as the "checkpoint" file field' }),
  }).parse({ checkpoint });
  let modelInfo: unknown = {};
  if (typeof p.model_info === 'string' && p.model_info.trim() !== '')
    modelInfo = parseJsonText(p.model_info, 'model_info');
  else if (p.model_info !== undefined && typeof p.model_info !== 'string') modelInfo = p.model_info;
  const info = z.object({ model_info: modelInfoSchema }).parse({ model_info: modelInfo }).model_info;
  const input = {
    checkpointSha256: checkpoint!.sha256,
    ageGroupMin: p.age_group_min,
    ageGroupMax: p.age_group_max,
    exportFormat: p.export_format as ExportDirectInput['exportFormat'],
    modelInfo: info,
  };
  exportDirectSchema.parse(input);
  return input;
}

/**
 * What exportModelDirect would refuse, checked before the upload is catalogued: the checkpoint
 * parses as the autoencoder and agrees with the architecture model_info declares.
 */
export async function preflightDirectExport(
  store: ArtifactStore,
  input: { checkpointSha256: string; modelInfo: Record<string, unknown> },
) {
  const ae = await parsed('checkpoint', async () => parseCheckpointInWorker(await store.get(input.checkpointSha256)));
  const declared = (input.modelInfo.model_architecture ?? input.modelInfo) as { [key: string]: PlainValue };
  checkDeclaredArchitecture(ae.architecture, declared);
  return ae;
}
