import 'server-only';
import type { Actor } from '../auth/permissions';
import type { Db } from '../db';
import { getModelExport } from '../registry/exports';
import {
  getModelCard,
  listModelCardVersions,
  MODEL_CARD_MAX_CHARS,
  MODEL_CARD_TEMPLATE,
  saveModelCard,
} from '../registry/model-card';
import { modelCardUpdateBody, type ModelCardResponse } from './contract/model-cards';

/** GET …/exports/{model_id}/card: the latest version, the history and the template. */
export async function modelCardJson(db: Db, actor: Actor, modelId: string): Promise<ModelCardResponse> {
  const e = await getModelExport(db, actor, modelId);
  const [card, history] = await Promise.all([getModelCard(db, e.id), listModelCardVersions(db, actor, e.id)]);
  return {
    model_id: e.modelId,
    markdown: card?.markdown ?? null,
    version: card?.version ?? 0,
    updated_at: card?.updatedAt.toISOString() ?? null,
    updated_by: card?.updatedByName ?? null,
    copied_from: card?.copiedFrom ?? null,
    template: MODEL_CARD_TEMPLATE,
    max_characters: MODEL_CARD_MAX_CHARS,
    history: history.map((v) => ({
      version: v.version,
      created_at: v.createdAt.toISOString(),
      created_by: v.createdByName,
      inherited: v.inherited,
    })),
  };
}

/** PUT …/exports/{model_id}/card: saves {markdown, base_version?}, answers the card as GET does. */
export async function saveModelCardJson(db: Db, actor: Actor, modelId: string, raw: Record<string, unknown>) {
  const body = modelCardUpdateBody.parse(raw);
  const e = await getModelExport(db, actor, modelId);
  await saveModelCard(db, actor, e.id, body.markdown, { baseVersion: body.base_version });
  return modelCardJson(db, actor, modelId);
}
