import fsp from 'node:fs/promises';
import type { ModelCardResponse } from '../../lib/api/contract/model-cards';
import { modelCardJson, saveModelCardJson } from '../../lib/api/model-cards';
import { MODEL_CARD_MAX_CHARS } from '../../lib/registry/model-card';
import { UsageError } from '../args';
import { checkReadableFile } from '../files';
import { resolveActor, withDb } from '../local';
import { json } from '../output';
import type { CommandImpl } from './types';

const cardPath = (modelId: string) => `/api/v1/training/models/exports/${encodeURIComponent(modelId)}/card`;

function cardText(c: ModelCardResponse, saved: boolean): string {
  if (c.markdown === null) {
    return `${c.model_id} has no model card yet. Start from the template (save it with --set FILE):\n\n${c.template}`;
  }
  const who = c.updated_by ? ` by ${c.updated_by}` : '';
  const from = c.copied_from ? ` (carried over from ${c.copied_from})` : '';
  const head = saved
    ? `Saved version ${c.version} of the model card of ${c.model_id}.`
    : `${c.model_id} · model card version ${c.version}, ${c.updated_at}${who}${from}; ${c.history.length} ${c.history.length === 1 ? 'version' : 'versions'} in its history.`;
  return `${head}\n\n${c.markdown}${c.markdown.endsWith('\n') ? '' : '\n'}`;
}

export const modelCardCommand: CommandImpl = {
  help: `Print an export's Markdown model card (intended use, training data, evaluation, limitations),
or save a new version of it from a file (reviewers and above).

Each save adds the next version; the history is kept. With --base N the save is refused (exit 1,
model_card_conflict) when someone saved a version after N, so a teammate's edit is never lost:
print the card again, merge, and save with the new --base. A new export of the same training job
starts from the job's latest card.

Options:
  --set FILE   Save FILE (Markdown, at most ${MODEL_CARD_MAX_CHARS} characters) as the next version.
  --base N     The version FILE was edited from (0: there was no card).
  --json       Print {model_id, markdown, version, updated_at, updated_by, history, template, ...}.

Examples:
  drawbridge models card autoencoder_2.0_3.0_20261201_120000 > card.md
  drawbridge models card autoencoder_2.0_3.0_20261201_120000 --set card.md --base 2
`,
  async run({ v, args, remote, out }) {
    const cmd = 'models card';
    const modelId = args[0];
    if (!modelId) throw new UsageError('models card needs the MODEL_ID of an export', cmd);
    if (v.base !== undefined && !v.set) throw new UsageError('--base goes with --set FILE', cmd);
    if (v.base !== undefined && !/^\d{1,9}$/.test(v.base)) {
      throw new UsageError(`--base must be a version number (0 when there was no card), not ${v.base}`, cmd);
    }
    let body: { markdown: string; base_version?: number } | undefined;
    if (v.set) {
      await checkReadableFile(v.set, '--set', cmd);
      body = { markdown: await fsp.readFile(v.set, 'utf8'), base_version: v.base ? Number(v.base) : undefined };
    }
    let card: ModelCardResponse;
    if (remote) {
      card = body
        ? await remote.put<ModelCardResponse>(cardPath(modelId), { json: body })
        : await remote.get<ModelCardResponse>(cardPath(modelId));
    } else {
      card = await withDb(async (db) => {
        const actor = await resolveActor(db, v.as, cmd);
        return body ? saveModelCardJson(db, actor, modelId, body) : modelCardJson(db, actor, modelId);
      });
    }
    out(v.json ? json(card) : cardText(card, !!body));
    return 0;
  },
};
