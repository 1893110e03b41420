// POST /api/v1/training/models/validate - validate an export (?model_id or JSON {model_id}): checksum,
//      readers, serving contract, onnxruntime parity, format parity; recorded as a validation run.
//      Requests under review for the export are re-evaluated at once: approvals bound to an older
//      run lapse.
import { validateRequest } from '@/lib/api/contract/models';
import { withActor } from '@/lib/api/handler';
import { readParams } from '@/lib/api/params';
import { validateAndReconcile } from '@/lib/registry/requests';
import { getStore } from '@/lib/storage';

export const POST = withActor('models.validate', async (req, { actor, db }) => {
  const { model_id } = validateRequest.parse(await readParams(req));
  const { result } = await validateAndReconcile(db, getStore(), actor, model_id);
  return Response.json(result);
});
