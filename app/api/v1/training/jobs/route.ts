// GET /api/v1/training/jobs - training jobs with their reports, newest first (?page, ?page_size, ?status).
import { withActor } from '@/lib/api/handler';
import { listTrainingJobs } from '@/lib/registry/training-jobs';
import { trainingJobToJson } from '@/lib/api/serialize';

export const GET = withActor('jobs.read', async (req, { actor, db }) => {
  const sp = new URL(req.url).searchParams;
  const { jobs, total, page, pageSize } = await listTrainingJobs(db, actor, {
    page: Number(sp.get('page')) || 1,
    pageSize: Number(sp.get('page_size')) || 25,
    status: sp.get('status') ?? undefined,
  });
  return Response.json({ total, page, page_size: pageSize, jobs: jobs.map(trainingJobToJson) });
});
