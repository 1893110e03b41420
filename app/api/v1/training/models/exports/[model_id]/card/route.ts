// GET /api/v1/training/models/exports/{model_id}/card - the export's Markdown model card: latest
//     version, its history (newest first) and the four-section template for an empty card.
// PUT /api/v1/training/models/exports/{model_id}/card - reviewers and above save a new version
//     ({markdown, base_version?}); a stale base_version answers 409 model_card_conflict.
import { withActor } from '@/lib/api/handler';
import { modelCardJson, saveModelCardJson } from '@/lib/api/model-cards';
import { readParams } from '@/lib/api/params';

export const GET = withActor<{ model_id: string }>('models.read', async (_req, { actor, db, params }) =>
  Response.json(await modelCardJson(db, actor, params.model_id)),
);

export const PUT = withActor<{ model_id: string }>('model_cards.write', async (req, { actor, db, params }) =>
  Response.json(await saveModelCardJson(db, actor, params.model_id, await readParams(req))),
);
