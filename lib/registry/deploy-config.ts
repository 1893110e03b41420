import 'server-only';
import { z } from 'zod';
import type { ModelExport } from '../db/generated/client';
import { ModelDeploymentError } from '../formats/errors';
import { EXPORT_FILE_TYPES, type ExportFormat } from '../formats/export';
import { MODEL_ID_PATTERN } from './model-id';

/** The original's ModelDeploymentConfig as the API, actions and the CLI send it, and its export paths. */

export const ENVIRONMENTS = ['production', 'staging'] as const;

/** true/false, or their spellings in query strings and forms; anything else is an error (not "truthy"). */
const flag = z.preprocess(
  (v) => (v === 'true' || v === '1' || v === 'on' ? true : v === 'false' || v === '0' || v === 'off' ? false : v),
  z.boolean({ message: 'must be true or false' }),
);

export const deploymentConfigSchema = z
  .object({
    model_id: z.string().regex(MODEL_ID_PATTERN, 'not a Drawbridge model id').optional(),
    model_export_path: z.string().max(300).optional(),
    age_group_min: z.coerce.number().finite().min(2).max(18),
    age_group_max: z.coerce.number().finite().min(2).max(18),
    replace_existing: flag.default(false),
    validate_before_deployment: flag.default(true),
    backup_existing: flag.default(true),
    deployment_environment: z.enum(ENVIRONMENTS).default('production'),
  })
  .refine((c) => c.age_group_min < c.age_group_max, {
    message: 'age_group_max must be greater than age_group_min',
    path: ['age_group_max'],
  })
  .refine((c) => c.model_id || c.model_export_path, {
    message: 'name the export by model_id or model_export_path',
    path: ['model_export_path'],
  });
export type DeploymentConfig = z.input<typeof deploymentConfigSchema>;

const EXTENSIONS: Record<string, ExportFormat> = Object.fromEntries(
  Object.entries(EXPORT_FILE_TYPES).map(([format, t]) => [t.extension.slice(1), format as ExportFormat]),
);

/**
 * Accepts only the original's `exports/models/<model_id>.<ext>` and resolves it to a known export.
 * The string is matched whole against a strict pattern and never touches a filesystem, so
 * traversal in any spelling (`../`, `%2e%2e`, `%252e`, backslashes, absolute paths, `file://`)
 * is simply not a match.
 */
export function parseExportPath(p: string): { modelId: string; format: ExportFormat } {
  const m = /^exports\/models\/(autoencoder_[0-9._]+)\.(onnx|pth|pkl|safetensors)$/.exec(p);
  if (!m || !MODEL_ID_PATTERN.test(m[1])) {
    throw new ModelDeploymentError(
      'invalid_export_path',
      'model_export_path must be exports/models/<model_id>.<onnx|pth|pkl|safetensors> naming a known export; paths are never read from disk',
      { field: 'model_export_path' },
    );
  }
  return { modelId: m[1], format: EXTENSIONS[m[2]] };
}

export function exportPathOf(e: Pick<ModelExport, 'modelId' | 'exportFormat'>): string {
  return `exports/models/${e.modelId}${EXPORT_FILE_TYPES[e.exportFormat as ExportFormat].extension}`;
}

/** Where the original service would have copied a deployed export (reported, never written). */
export function deploymentPath(
  env: string,
  d: { ageMin: number; ageMax: number },
  e: Pick<ModelExport, 'modelId' | 'exportFormat'>,
) {
  return `deployments/${env}/${d.ageMin}-${d.ageMax}/${e.modelId}${EXPORT_FILE_TYPES[e.exportFormat as ExportFormat].extension}`;
}
