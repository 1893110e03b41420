// GET /api/v1/training/models/exports - exported models, newest first
//     (?page, ?page_size, ?age_group_min, ?age_group_max, ?export_format, ?training_job_id,
//     ?environment=production|staging|candidate, ?validation, ?sort, ?cursor). Keyset-paged: follow
//     next_cursor / prev_cursor; the total is counted up to 1000 (total_exact says whether it stopped).
import { exportListPaging } from '@/lib/api/contract/models';
import { withActor } from '@/lib/api/handler';
import { parseQuery, queryParams } from '@/lib/api/params';
import { exportToJson } from '@/lib/api/serialize';
import { listExportedModels } from '@/lib/registry/exports';

export const GET = withActor('models.read', async (req, { actor, db }) => {
  const q = queryParams(req);
  const paging = parseQuery(exportListPaging, q);
  const r = await listExportedModels(db, actor, {
    page: paging.page,
    cursor: paging.cursor,
    pageSize: paging.page_size,
    ageGroupMin: q.age_group_min,
    ageGroupMax: q.age_group_max,
    exportFormat: q.export_format as 'onnx' | undefined,
    trainingJobId: q.training_job_id,
    environment: q.environment as 'production' | undefined,
    validation: q.validation as 'valid' | undefined,
    sort: q.sort as 'newest' | undefined,
  });
  return Response.json({
    total: r.total,
    total_exact: r.totalExact,
    page: r.page,
    page_size: r.pageSize,
    next_cursor: r.nextCursor,
    prev_cursor: r.prevCursor,
    exports: r.exports.map(exportToJson),
  });
});
