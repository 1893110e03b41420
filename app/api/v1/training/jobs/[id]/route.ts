// GET /api/v1/training/jobs/{id} - one training job with its report.
import { withActor } from '@/lib/api/handler';
import { parsePathInt } from '@/lib/api/params';
import { trainingJobToJson } from '@/lib/api/serialize';
import { getTrainingJob } from '@/lib/registry/training-jobs';

export const GET = withActor<{ id: string }>('jobs.read', async (_req, { actor, db, params }) =>
  Response.json(trainingJobToJson(await getTrainingJob(db, actor, parsePathInt(params.id, 'id')))),
);
