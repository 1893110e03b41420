import { EXPORT_FORMATS } from '../../lib/formats/export';
import { SYSTEM_ACTOR } from '../../lib/registry/audit';
import type { ModelExportMetadataResponse } from '../../lib/api/contract/models';
import { exportToJson } from '../../lib/api/serialize';
import { listExportedModels } from '../../lib/registry/exports';
import { idArgument, numberOption, oneOf, required, requiredNumber, UsageError } from '../args';
import { resolveActor, withDb } from '../local';
import { ages, json, keyValues, scalar, table } from '../output';
import { API, exportDirectForm } from '../remote';
import { checkReadableFile, readObjectFile } from '../files';
import type { CommandImpl } from './types';

const FORMATS = EXPORT_FORMATS;

type ExportJson = ModelExportMetadataResponse;

/** Some servers wrap the metadata ({"metadata": {...}}); take the export's fields either way. */
function metadataOf(body: unknown): ExportJson {
  const b = body as { metadata?: ExportJson; export?: ExportJson } & ExportJson;
  return b.model_id ? b : (b.metadata ?? b.export ?? b);
}

export const exportCommand: CommandImpl = {
  help: `Export a model for an age group in a production format and print its export metadata (the 16
fields of ModelExportMetadata: model_id, checksum, parameter_count, ..., and age_range_override).

A training job exports for the ages it was trained for (see "drawbridge jobs show ID"). Other ages
are refused (age_range_mismatch) unless --reason says why; the export is then flagged with the
reason on its model page, its deployment requests and the audit log, and validation warns about it.

From a completed training job (its checkpoint and report):
  drawbridge export --job ID --min AGE --max AGE --format F [--out FILE]
Directly from a checkpoint file, without a training job (training_job_id 0):
  drawbridge export --checkpoint FILE --min AGE --max AGE --format F [--model-info FILE] [--out FILE]

Options:
  --job ID              Training job to export (must be completed, with a report and checkpoint).
  --checkpoint FILE     A .pth checkpoint to export directly; parsed (never unpickled) before it is stored.
  --model-info FILE     JSON object: the declared architecture ({"input_dim", "hidden_dims"} or
                        {"model_architecture": {...}}, checked against the weights) and optional
                        "training_metrics". Only with --checkpoint.
  --min AGE, --max AGE  The age group in years, 2.0 ≤ min < max ≤ 18.0 (required).
  --format F            ${FORMATS.join(', ')} (required).
  --reason TEXT         Why a model trained for other ages should serve these (at least 10
                        characters); needed only when --min/--max differ from the job's range.
  --out FILE            Also write the exported artifact to FILE; its SHA-256 is the printed checksum.
  --json                Print the metadata as JSON.

Examples:
  drawbridge export --job 3 --min 2 --max 3 --format onnx --out age-2-3.onnx
  drawbridge export --job 3 --min 3 --max 4 --format onnx --reason "no 3-4 data yet; 2-3 model is the closest"
  drawbridge export --checkpoint model.pth --model-info info.json --min 4 --max 5 --format safetensors --json
`,
  async run({ v, remote, out }) {
    const cmd = 'export';
    if (!!v.job === !!v.checkpoint)
      throw new UsageError('export needs exactly one of --job ID or --checkpoint FILE', cmd);
    if (v['model-info'] && !v.checkpoint) throw new UsageError('--model-info goes with --checkpoint', cmd);
    if (v.reason !== undefined && !v.job)
      throw new UsageError('--reason goes with --job (a direct export has no training range to differ from)', cmd);
    const ageRangeReason = v.reason;
    const jobId = v.job ? idArgument(v.job, '--job', cmd) : undefined;
    const ageGroupMin = requiredNumber(v, 'min', cmd);
    const ageGroupMax = requiredNumber(v, 'max', cmd);
    const exportFormat = oneOf(required(v, 'format', cmd), FORMATS, 'format', cmd)!;
    const checkpoint = v.checkpoint;
    if (checkpoint) await checkReadableFile(checkpoint, '--checkpoint', cmd);
    const modelInfo = v['model-info'] ? await readObjectFile(v['model-info'], '--model-info', cmd) : undefined;

    let meta: ExportJson;
    let written: { bytes: number; sha256: string } | null = null;
    if (remote) {
      meta = metadataOf(
        checkpoint
          ? await remote.post(API.exportDirect, {
              upload: await exportDirectForm({ checkpoint, modelInfo, ageGroupMin, ageGroupMax, exportFormat }),
            })
          : await remote.post(API.exportFromJob, {
              json: {
                training_job_id: jobId,
                age_group_min: ageGroupMin,
                age_group_max: ageGroupMax,
                export_format: exportFormat,
                ...(ageRangeReason !== undefined ? { age_range_reason: ageRangeReason } : {}),
              },
            }),
      );
      if (v.out) written = await remote.download(API.download(meta.model_id), v.out, meta.checksum);
    } else {
      // Loaded here: the formats and the store are what an export needs and a list does not.
      const { exportLocally } = await import('../export-local');
      ({ meta, written } = await exportLocally(
        { checkpoint, jobId, modelInfo, ageGroupMin, ageGroupMax, exportFormat, ageRangeReason, out: v.out, as: v.as },
        cmd,
      ));
    }
    out(
      v.json
        ? json(meta)
        : `exported ${meta.model_id} (${meta.export_format}, ages ${ages(meta.age_group_min, meta.age_group_max)})\n` +
            keyValues(meta),
    );
    if (written && v.out) process.stderr.write(`wrote ${written.bytes} bytes to ${v.out} (sha256 ${written.sha256})\n`);
    const o = meta.age_range_override;
    if (o) {
      process.stderr.write(
        `flagged: exported for ages ${ages(meta.age_group_min, meta.age_group_max)} but trained on ${ages(o.job_age_group_min, o.job_age_group_max)}: ${o.reason}\n`,
      );
    }
    return 0;
  },
};

type ExportPage = {
  total: number;
  total_exact?: boolean;
  page: number;
  page_size: number;
  next_cursor?: string | null;
  exports: ExportJson[];
};

export function exportsTable(r: ExportPage): string {
  const { exports, total } = r;
  const rows = exports.map((e) => [
    e.model_id,
    e.export_format,
    ages(e.age_group_min, e.age_group_max),
    e.training_job_id ? String(e.training_job_id) : '—',
    String(e.parameter_count),
    String(e.file_size_bytes),
    e.export_timestamp.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    e.checksum.slice(0, 12),
  ]);
  return (
    table(['MODEL ID', 'FORMAT', 'AGES', 'JOB', 'PARAMS', 'BYTES', 'EXPORTED', 'CHECKSUM'], rows) +
    `${exports.length} of ${total}${r.total_exact === false ? '+' : ''} exports\n` +
    (r.next_cursor ? `next page: --cursor ${r.next_cursor}\n` : '')
  );
}

export const exportsList: CommandImpl = {
  help: `List exported models, newest first, 25 a page.

Options:
  --min AGE, --max AGE  Only exports of this age group (either bound alone filters on it).
  --format F            Only exports in format F (${FORMATS.join(', ')}).
  --job ID              Only exports of training job ID (0: direct exports from a checkpoint).
  --cursor C            The page after the one that printed "next page: --cursor C" (keyset paging).
  --page N              Page N (default 1), by offset: slower the deeper it goes; prefer --cursor.
  --json                Print {total, total_exact, page, page_size, next_cursor, prev_cursor,
                        exports: [metadata...]} as JSON; total is counted up to 1000.

Examples:
  drawbridge exports list --min 2 --max 3
  drawbridge exports list --format onnx --json
`,
  async run({ v, remote, out }) {
    const cmd = 'exports list';
    const ageGroupMin = numberOption(v, 'min', cmd);
    const ageGroupMax = numberOption(v, 'max', cmd);
    const exportFormat = oneOf(v.format, FORMATS, 'format', cmd);
    const trainingJobId = v.job === '0' ? 0 : v.job ? idArgument(v.job, '--job', cmd) : undefined;
    const page = v.page ? idArgument(v.page, '--page', cmd) : 1;
    const cursor = v.cursor || undefined;
    let r: ExportPage;
    if (remote) {
      r = await remote.get(API.exports, {
        age_group_min: ageGroupMin,
        age_group_max: ageGroupMax,
        export_format: exportFormat,
        training_job_id: trainingJobId,
        page,
        cursor,
      });
    } else {
      r = await withDb(async (db) => {
        const actor = v.as ? await resolveActor(db, v.as, cmd) : SYSTEM_ACTOR;
        const x = await listExportedModels(db, actor, {
          ...{ ageGroupMin, ageGroupMax, exportFormat, trainingJobId, page, cursor },
        });
        return {
          total: x.total,
          total_exact: x.totalExact,
          page: x.page,
          page_size: x.pageSize,
          next_cursor: x.nextCursor,
          prev_cursor: x.prevCursor,
          exports: x.exports.map(exportToJson),
        };
      });
    }
    out(v.json ? json(r) : exportsTable(r));
    return 0;
  },
};

type ValidationJson = {
  model_id?: string;
  is_valid: boolean;
  errors: string[];
  warnings: string[];
  compatibility_checks?: Record<string, unknown>;
  integrity_checks?: Record<string, unknown>;
  performance_checks?: Record<string, unknown>;
  validation_run_id?: string | number;
};

/** Exit status of `validate` when the model is not valid (distinct from 1: the command failed). */
export const EXIT_INVALID = 3;

export function validationText(modelId: string, r: ValidationJson): string {
  const lines = [
    `${r.model_id ?? modelId}: ${r.is_valid ? 'VALID' : 'INVALID'}${r.validation_run_id !== undefined ? ` (validation run ${r.validation_run_id})` : ''}`,
  ];
  lines.push(r.errors.length ? `errors:\n${r.errors.map((e) => `  - ${e}`).join('\n')}` : 'errors: none');
  lines.push(r.warnings.length ? `warnings:\n${r.warnings.map((e) => `  - ${e}`).join('\n')}` : 'warnings: none');
  for (const [title, group] of [
    ['integrity checks', r.integrity_checks],
    ['compatibility checks', r.compatibility_checks],
    ['performance checks', r.performance_checks],
  ] as const) {
    if (!group || !Object.keys(group).length) continue;
    const shown = Object.fromEntries(
      Object.entries(group).map(([k, x]) => {
        if (k === 'format_parity' && Array.isArray(x)) {
          const same = x.filter((p) => (p as { identical_weights?: boolean }).identical_weights).length;
          return [k, `${same} of ${x.length} sibling export(s) have identical weights`];
        }
        return [k, scalar(x)];
      }),
    );
    lines.push(`${title}:\n${keyValues(shown).trimEnd().replace(/^/gm, '  ')}`);
  }
  return `${lines.join('\n')}\n`;
}

export const validateCommand: CommandImpl = {
  help: `Validate an exported model and record the validation run: re-verifies its SHA-256, parses it with
Drawbridge's own readers, checks it against its metadata and the 832-dimensional serving contract,
runs ONNX exports in onnxruntime-node against the source weights' forward pass, compares the weights
with the other formats exported from the same checkpoint, and measures reconstruction error on the
training job's validation set. Deployment requests under review for the export are re-evaluated at
once: approvals bound to an older validation run lapse.

Prints is_valid, the errors and warnings, and the integrity, compatibility and performance checks.

Exit status: 0 when the model is valid, 3 when it is not (the reasons are printed), 1 when
validation could not run (unknown model, permission, server error), 2 on a usage error.

Options:
  --json         Print the whole validation result as JSON.

Examples:
  drawbridge validate autoencoder_2.0_3.0_20261127_071000
  drawbridge validate autoencoder_2.0_3.0_20261127_071000 --json || echo "not deployable"
`,
  async run({ v, args, remote, out }) {
    const modelId = args[0];
    if (!modelId) throw new UsageError('validate needs a MODEL_ID (see "drawbridge exports list")', 'validate');
    const r: ValidationJson = remote
      ? await remote.post(API.validate, { query: { model_id: modelId } })
      : await withDb(async (db) => {
          const actor = await resolveActor(db, v.as, 'validate');
          // Approvals bound to an older validation run lapse now, as over the API.
          const [{ validateAndReconcile }, { getStore }] = await Promise.all([
            import('../../lib/registry/requests'),
            import('../../lib/storage'),
          ]);
          return (await validateAndReconcile(db, getStore(), actor, modelId)).result;
        });
    out(v.json ? json(r) : validationText(modelId, r));
    return r.is_valid ? 0 : EXIT_INVALID;
  },
};
