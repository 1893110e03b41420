import fs from 'node:fs';
import { z } from 'zod';
import { maxArtifactBytes } from '../../lib/config';
import { requirePermission } from '../../lib/auth/permissions';
import { ModelCompatibilityError, ModelDeploymentError } from '../../lib/formats/errors';
import { readValidationSet } from '../../lib/formats/validation-set';
import { parseTrainingCheckpoint } from '../../lib/registry/parse-checkpoint';
import { withArtifactCleanup } from '../../lib/registry/artifact-gc';
import { getTrainingJob, listTrainingJobs, registerTrainingJob } from '../../lib/registry/training-jobs';
import { SYSTEM_ACTOR } from '../../lib/registry/audit';
import { trainingJobToJson } from '../../lib/api/serialize';
import { getStore } from '../../lib/storage';
import { idArgument, numberOption, oneOf, required, UsageError } from '../args';
import { baseName, checkedBytes, checkReadableFile, readJsonFile, readObjectFile, readWith } from '../files';
import { resolveActor, withDb } from '../local';
import { ages, json, keyValues, scalar, table } from '../output';
import { API, jobPushForm, type JobPushMetadata } from '../remote';
import type { CommandImpl } from './types';

type JobJson = ReturnType<typeof trainingJobToJson>;

const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
const ENVIRONMENTS = ['local', 'sagemaker', 'external'] as const;

export function jobsTable(jobs: JobJson[], total: number, totalExact = true): string {
  const rows = jobs.map((j) => [
    String(j.id),
    j.job_name,
    j.status,
    j.report ? j.report.final_loss.toPrecision(4) : '—',
    j.checkpoint_sha256 ? j.checkpoint_sha256.slice(0, 12) : '—',
  ]);
  return (
    table(['ID', 'JOB', 'STATUS', 'FINAL LOSS', 'CHECKPOINT'], rows) +
    `${jobs.length} of ${total}${totalExact ? '' : '+'} jobs\n`
  );
}

export const jobsList: CommandImpl = {
  help: `List training jobs with their reports, newest first, 25 a page.

Options:
  --status S     Only jobs in status S (${STATUSES.join(', ')}).
  --page N       Page N (default 1).
  --json         Print {total, total_exact, jobs: [...]} as JSON (total is counted up to 1000).

Examples:
  drawbridge jobs list
  drawbridge jobs list --status completed --json
`,
  async run({ v, remote, out }) {
    const status = oneOf(v.status, STATUSES, 'status', 'jobs list');
    const page = v.page ? idArgument(v.page, '--page', 'jobs list') : 1;
    let jobs: JobJson[];
    let total: number;
    let totalExact: boolean;
    if (remote) {
      const r = await remote.get<{ jobs?: JobJson[]; total?: number; total_exact?: boolean }>(API.jobs, {
        status,
        page,
      });
      jobs = r.jobs ?? [];
      total = r.total ?? jobs.length;
      totalExact = r.total_exact ?? true;
    } else {
      ({ jobs, total, totalExact } = await withDb(async (db) => {
        const actor = v.as ? await resolveActor(db, v.as, 'jobs list') : SYSTEM_ACTOR;
        const r = await listTrainingJobs(db, actor, { status, page });
        return { jobs: r.jobs.map(trainingJobToJson), total: r.total, totalExact: r.totalExact };
      }));
    }
    out(v.json ? json({ total, total_exact: totalExact, jobs }) : jobsTable(jobs, total, totalExact));
    return 0;
  },
};

export const jobsShow: CommandImpl = {
  help: `Show one training job: its configuration, report and artifact checksums.

Options:
  --json         Print the job as JSON (the API's training job shape).

Example:
  drawbridge jobs show 3
`,
  async run({ v, args, remote, out }) {
    const id = idArgument(args[0], 'a training job ID', 'jobs show');
    const job = remote
      ? await remote.get<JobJson>(API.job(id))
      : await withDb(async (db) => {
          const actor = v.as ? await resolveActor(db, v.as, 'jobs show') : SYSTEM_ACTOR;
          return trainingJobToJson(await getTrainingJob(db, actor, id));
        });
    out(v.json ? json(job) : jobText(job));
    return 0;
  },
};

export function jobText(j: JobJson): string {
  const head = keyValues({
    id: j.id,
    job_name: j.job_name,
    status: j.status,
    environment: j.environment,
    dataset_path: j.dataset_path,
    start_timestamp: j.start_timestamp,
    end_timestamp: j.end_timestamp,
    age_group: j.age_group_min !== null && j.age_group_max !== null ? ages(j.age_group_min, j.age_group_max) : '—',
    created_at: j.created_at,
    checkpoint_sha256: j.checkpoint_sha256,
    validation_set_sha256: j.validation_set_sha256,
    config_parameters: j.config_parameters,
  });
  if (!j.report) return `${head}report                 —\n`;
  const r = j.report;
  const summary =
    r.metrics_summary && typeof r.metrics_summary === 'object' ? (r.metrics_summary as Record<string, unknown>) : {};
  return (
    head +
    '\nreport\n' +
    indent(
      keyValues({
        final_loss: r.final_loss,
        validation_accuracy: r.validation_accuracy,
        best_epoch: r.best_epoch,
        training_time_seconds: r.training_time_seconds,
        report_file_path: r.report_file_path,
      }),
    ) +
    (Object.keys(summary).length
      ? '\nmetrics_summary\n' +
        // Loss curves are long: their length and last value, the whole of them with --json.
        indent(
          keyValues(
            Object.fromEntries(
              Object.entries(summary).map(([k, x]) => [
                k,
                Array.isArray(x) && x.length > 6 ? `[${x.length} values, last ${scalar(x[x.length - 1])}]` : x,
              ]),
            ),
          ),
        )
      : '')
  );
}

function indent(s: string): string {
  return s.replace(/^(?=.)/gm, '  ');
}

/** The pipeline's training report (report.json): the original TrainingReport fields, snake_case. */
export const reportFileSchema = z.object({
  final_loss: z.number().finite(),
  validation_accuracy: z.number().min(0).max(1).nullish(),
  best_epoch: z.number().int().nonnegative().nullish(),
  training_time_seconds: z.number().nonnegative().nullish(),
  metrics_summary: z.record(z.string(), z.unknown()).default({}),
});
export type ReportFile = z.infer<typeof reportFileSchema>;

export async function readReportFile(file: string, command: string): Promise<ReportFile> {
  let raw = await readJsonFile(file, '--report', command);
  // Also accept a file that wraps the report ({"report": {...}}, as the demo manifest's groups do).
  if (raw && typeof raw === 'object' && !('final_loss' in raw) && 'report' in raw)
    raw = (raw as { report: unknown }).report;
  const r = reportFileSchema.safeParse(raw);
  if (!r.success) {
    const why = r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    throw new ModelDeploymentError('invalid_request', `--report ${file} is not a training report: ${why}`);
  }
  return r.data;
}

function timestamp(x: string | undefined, option: string, command: string): string | undefined {
  if (x === undefined) return undefined;
  const d = new Date(x);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(`${option} must be an ISO 8601 timestamp such as 2026-11-27T07:10:00Z (got "${x}")`, command);
  return d.toISOString();
}

export const jobsPush: CommandImpl = {
  help: `Register a training job with its report and artifacts, as a training pipeline does at the end of a run.

The checkpoint must be an autoencoder as the training pipeline saves it (torch.save of
{"model_state_dict", "model_architecture", ...}, or a bare state dict); the validation set a
safetensors file with "embeddings" [N, D] (and optionally "is_anomaly" [N]) whose D is the model's
input dimension. Both are parsed with Drawbridge's own readers (never unpickled) before anything is
recorded; an unsafe or malformed file is refused with its reason and code, and nothing is registered.

Options:
  --name NAME                 Job name (required).
  --checkpoint FILE           The trained model, .pth (required).
  --validation-set FILE       Validation embeddings, .safetensors. Needed later to derive the deployment
                              threshold (95th percentile of reconstruction error).
  --report FILE               Training report, JSON: {"final_loss", "validation_accuracy", "best_epoch",
                              "training_time_seconds", "metrics_summary": {...}} (final_loss required).
  --config FILE               Training configuration, a JSON object (stored as config_parameters).
  --min AGE, --max AGE        The age group the model was trained for, in years. Left out, it is taken from
                              the checkpoint's training_config (age_group_min/age_group_max), else from
                              --config's; sources that disagree are refused (age_range_mismatch). A job
                              exports only for its own range, unless the exporter gives a reason.
  --environment E             local (default), sagemaker or external.
  --dataset-path P            Where the training data lives (recorded, never read).
  --status S                  ${STATUSES.join(', ')} (default completed; only completed jobs can be exported).
  --start TIME, --end TIME    Start and end of training, ISO 8601.
  --json                      Print the registered job as JSON.

Examples:
  drawbridge jobs push --name autoencoder-2-3-2026-11 --checkpoint out/model.pth \\
    --validation-set out/val.safetensors --report out/report.json --config out/config.json --min 2 --max 3
  drawbridge jobs push --name nightly --checkpoint model.pth --server https://drawbridge.example --token dbt_…
`,
  async run({ v, remote, out }) {
    const cmd = 'jobs push';
    const name = required(v, 'name', cmd);
    const checkpoint = required(v, 'checkpoint', cmd);
    const validationSet = v['validation-set'];
    const environment = oneOf(v.environment, ENVIRONMENTS, 'environment', cmd);
    const status = oneOf(v.status, STATUSES, 'status', cmd);
    const start = timestamp(v.start, '--start', cmd);
    const end = timestamp(v.end, '--end', cmd);
    const ageGroupMin = numberOption(v, 'min', cmd);
    const ageGroupMax = numberOption(v, 'max', cmd);
    if ((ageGroupMin === undefined) !== (ageGroupMax === undefined))
      throw new UsageError('give both --min and --max (the ages the model was trained for), or neither', cmd);
    await checkReadableFile(checkpoint, '--checkpoint', cmd);
    if (validationSet) await checkReadableFile(validationSet, '--validation-set', cmd);
    const report = v.report ? await readReportFile(v.report, cmd) : null;
    const config = v.config ? await readObjectFile(v.config, '--config', cmd) : undefined;

    let job: JobJson;
    if (remote) {
      const metadata: JobPushMetadata = {
        job_name: name,
        environment,
        config_parameters: config,
        dataset_path: v['dataset-path'],
        status,
        start_timestamp: start,
        end_timestamp: end,
        age_group_min: ageGroupMin,
        age_group_max: ageGroupMax,
        report: report && { ...report, report_file_path: v.report },
      };
      job = await remote.post<JobJson>(API.jobs, {
        upload: await jobPushForm(metadata, { checkpoint, validationSet }),
      });
    } else {
      // Everything is parsed and checked before a byte is stored or a row written.
      const ckpt = await checkedBytes(checkpoint, '--checkpoint', cmd);
      const { ae, trainingAgeRange } = readWith('checkpoint', checkpoint, () => parseTrainingCheckpoint(ckpt.bytes));
      let val: { bytes: Uint8Array; sha256: string } | null = null;
      if (validationSet) {
        val = await checkedBytes(validationSet, '--validation-set', cmd);
        const bytes = val.bytes;
        const vs = readWith('validation set', validationSet, () => readValidationSet(bytes));
        if (vs.dim !== ae.architecture.inputDim) {
          throw new ModelCompatibilityError(
            'validation_set_dimension_mismatch',
            `the validation set's embeddings have ${vs.dim} dimensions; the checkpoint's model takes ${ae.architecture.inputDim}`,
          );
        }
      }
      // A failed registration keeps none of the bytes it stored (lib/registry/artifact-gc).
      job = await withDb((db) =>
        withArtifactCleanup(db, getStore(), async (store) => {
          const actor = await resolveActor(db, v.as, cmd);
          requirePermission(actor, 'jobs.write');
          // Streamed into the store; expectedSha256 proves the stored bytes are the ones just checked.
          const put = (file: string, sha256: string) =>
            store.put(fs.createReadStream(file), { maxBytes: maxArtifactBytes(), expectedSha256: sha256 });
          const c = await put(checkpoint, ckpt.sha256);
          const s = val && validationSet ? await put(validationSet, val.sha256) : null;
          const facts = { trainingAgeRange };
          const created = await registerTrainingJob(
            db,
            actor,
            {
              jobName: name,
              environment,
              status,
              configParameters: config,
              datasetPath: v['dataset-path'],
              startTimestamp: start,
              endTimestamp: end,
              checkpoint: { ...c, mediaType: 'application/x-pytorch-checkpoint', originalName: baseName(checkpoint) },
              validationSet:
                s && validationSet
                  ? { ...s, mediaType: 'application/x-safetensors', originalName: baseName(validationSet) }
                  : null,
              report: report
                ? {
                    finalLoss: report.final_loss,
                    validationAccuracy: report.validation_accuracy,
                    bestEpoch: report.best_epoch,
                    trainingTimeSeconds: report.training_time_seconds,
                    metricsSummary: report.metrics_summary,
                    reportFilePath: v.report,
                  }
                : null,
              ageGroupMin,
              ageGroupMax,
            },
            facts,
          );
          return trainingJobToJson(created);
        }),
      );
      process.stderr.write(
        `checkpoint: autoencoder ${ae.architecture.inputDim}→[${ae.architecture.hiddenDims.join(', ')}]${ae.notes.length ? ` (${ae.notes.join('; ')})` : ''}\n`,
      );
    }
    out(
      v.json
        ? json(job)
        : `registered training job ${job.id} "${job.job_name}" (${job.status})\n` +
            keyValues({
              checkpoint_sha256: job.checkpoint_sha256,
              validation_set_sha256: job.validation_set_sha256,
              final_loss: job.report?.final_loss ?? null,
              age_group:
                job.age_group_min !== null && job.age_group_max !== null
                  ? ages(job.age_group_min, job.age_group_max)
                  : 'not recorded (exports of this job cannot be checked against its ages)',
            }) +
            (job.status !== 'completed'
              ? ''
              : job.report
                ? `next: drawbridge export --job ${job.id} --min ${job.age_group_min ?? 'MIN'} --max ${job.age_group_max ?? 'MAX'} --format onnx\n`
                : `note: this job has no training report, and a job exports only with one: push it again with --report report.json\n`),
    );
    return 0;
  },
};
