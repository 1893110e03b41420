// POST /api/v1/training/models/export - export a completed training job's model
//      (?training_job_id, ?age_group_min, ?age_group_max, ?export_format, ?age_range_reason, or the
//      same as JSON). Ages other than the job's are refused (422 age_range_mismatch) without a reason.
import { withActor } from '@/lib/api/handler';
import { readParams } from '@/lib/api/params';
import { exportToJson } from '@/lib/api/serialize';
import { exportModelFromTrainingJob } from '@/lib/registry/exports';
import { getStore } from '@/lib/storage';

export const POST = withActor('models.export', async (req, { actor, db }) => {
  const p = await readParams(req);
  const e = await exportModelFromTrainingJob(db, getStore(), actor, {
    trainingJobId: p.training_job_id as number,
    ageGroupMin: p.age_group_min as number,
    ageGroupMax: p.age_group_max as number,
    exportFormat: p.export_format as 'onnx',
    ageRangeReason: p.age_range_reason as string | undefined,
  });
  return Response.json(exportToJson(e));
});
