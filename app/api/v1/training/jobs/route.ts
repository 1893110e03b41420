// GET  /api/v1/training/jobs - training jobs with their reports, newest first (?page, ?page_size, ?status); the
//      total is counted up to 1000 (total_exact says whether it stopped).
// POST /api/v1/training/jobs - register a training job: multipart `metadata` (JSON) + `checkpoint` file
//      (+ optional `validation_set` safetensors), or the metadata alone as application/json.
import { ApiError } from '@/lib/api/errors';
import { withActor } from '@/lib/api/handler';
import { trainingJobListQuery } from '@/lib/api/contract/training-jobs';
import { isJson, parseQuery, queryParams, readJsonObject } from '@/lib/api/params';
import { trainingJobToJson } from '@/lib/api/serialize';
import {
  checkTrainingArtifacts,
  parseTrainingJobMetadata,
  trainingJobInputFromMetadata,
} from '@/lib/api/training-job-input';
import { readUploadForm } from '@/lib/api/uploads';
import { withArtifactCleanup } from '@/lib/registry/artifact-gc';
import { listTrainingJobs, registerTrainingJob, type RegisterTrainingJobInput } from '@/lib/registry/training-jobs';
import { getStore } from '@/lib/storage';

export const GET = withActor('jobs.read', async (req, { actor, db }) => {
  const q = parseQuery(trainingJobListQuery, queryParams(req));
  const { jobs, total, totalExact, page, pageSize } = await listTrainingJobs(db, actor, {
    page: q.page,
    pageSize: q.page_size,
    status: q.status,
  });
  return Response.json({
    total,
    total_exact: totalExact,
    page,
    page_size: pageSize,
    jobs: jobs.map(trainingJobToJson),
  });
});

export const POST = withActor('jobs.write', async (req, { actor, db }) => {
  if (isJson(req)) {
    const job = await registerTrainingJob(db, actor, trainingJobInputFromMetadata(await readJsonObject(req)));
    return Response.json(trainingJobToJson(job), { status: 201 });
  }
  // A refused or failed upload keeps none of its bytes (those a row already references stay).
  return withArtifactCleanup(db, getStore(), async (store) => {
    let input: RegisterTrainingJobInput | undefined;
    const { files } = await readUploadForm(req, store, {
      files: ['checkpoint', 'validation_set'],
      onField: (name, value) => {
        if (name === 'metadata') input = parseTrainingJobMetadata(value);
      },
    });
    if (!input)
      throw new ApiError('invalid_request', 'the multipart form needs a "metadata" field (the training job as JSON)');
    const checked = await checkTrainingArtifacts(store, files);
    const job = await registerTrainingJob(
      db,
      actor,
      {
        ...input,
        checkpoint: files.checkpoint && { ...files.checkpoint, mediaType: 'application/x-pytorch-checkpoint' },
        validationSet: files.validation_set && { ...files.validation_set, mediaType: 'application/x-safetensors' },
      },
      { trainingAgeRange: checked?.trainingAgeRange },
    );
    return Response.json(trainingJobToJson(job), { status: 201 });
  });
});
