import 'server-only';
import crypto from 'node:crypto';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import { DomainError, invalidField, notFound } from '../errors';
import { recordAudit, type Tx } from './audit';

/**
 * Model cards: an export's Markdown description (intended use, training data, evaluation,
 * limitations), written by reviewers and above. A card belongs to one export (its bytes): every
 * save adds the next version and keeps the previous ones. A new export of the same training job
 * starts from that job's latest card, copied as its version 1 (audited as model_card.inherit), so
 * nobody retypes it; from then on the two exports' cards evolve separately.
 */
export const MODEL_CARD_MAX_CHARS = 20_000;

/** Offered in the editor while an export has no card. */
export const MODEL_CARD_TEMPLATE = `## Intended use

Which drawings and age group this model screens, and who acts on its flags.

## Training data

Where the drawings came from, how many, the age range and how they were labelled.

## Evaluation

Validation results: median reconstruction error of normal and anomalous drawings, the threshold, what was checked by hand.

## Limitations

Drawings, ages or settings it was not trained for; known failure cases.
`;

export type ModelCard = {
  markdown: string;
  version: number;
  updatedAt: Date;
  /** Who wrote this version (for an inherited card: who wrote the words it was copied from). */
  updatedByName: string | null;
  /** The model id of the export this version was copied from when the export inherited it. */
  copiedFrom: string | null;
};

const cardInclude = {
  createdBy: { select: { name: true } },
} as const;

async function copiedFromModelId(db: Tx, copiedFromId: string | null): Promise<string | null> {
  if (!copiedFromId) return null;
  const src = await db.modelCard.findUnique({
    where: { id: copiedFromId },
    select: { modelExport: { select: { modelId: true } } },
  });
  return src?.modelExport.modelId ?? null;
}

/**
 * The latest version of an export's card, or null when it has none. Takes no actor: the caller
 * already decided the reader may see the export (the model page, or a share link's page).
 */
export async function getModelCard(db: Db, modelExportId: string): Promise<ModelCard | null> {
  const row = await db.modelCard.findFirst({
    where: { modelExportId },
    orderBy: { version: 'desc' },
    include: cardInclude,
  });
  if (!row) return null;
  return {
    markdown: row.markdown,
    version: row.version,
    updatedAt: row.createdAt,
    updatedByName: row.createdBy?.name ?? null,
    copiedFrom: await copiedFromModelId(db, row.copiedFromId),
  };
}

export type ModelCardVersion = {
  version: number;
  markdown: string;
  createdAt: Date;
  createdByName: string | null;
  inherited: boolean;
};

/** Every saved version of an export's card, newest first. */
export async function listModelCardVersions(db: Db, actor: Actor, modelExportId: string): Promise<ModelCardVersion[]> {
  requirePermission(actor, 'models.read');
  const rows = await db.modelCard.findMany({
    where: { modelExportId },
    orderBy: { version: 'desc' },
    include: cardInclude,
  });
  return rows.map((r) => ({
    version: r.version,
    markdown: r.markdown,
    createdAt: r.createdAt,
    createdByName: r.createdBy?.name ?? null,
    inherited: r.copiedFromId !== null,
  }));
}

function staleVersion(latest: number, base: number): DomainError {
  return new DomainError(
    'conflict',
    'model_card_conflict',
    `Someone saved version ${latest} of this model card since you opened ${base === 0 ? 'it (it had no card)' : `version ${base}`}. ` +
      `Reload to see version ${latest}, merge your changes into it and save again.`,
    { latest_version: latest },
  );
}

function checkMarkdown(markdown: string) {
  if (markdown.trim() === '') {
    throw invalidField('Write the model card (Markdown), or start from the template.', 'markdown');
  }
  if (markdown.length > MODEL_CARD_MAX_CHARS) {
    throw new DomainError(
      'too_large',
      'model_card_too_large',
      `A model card holds at most ${MODEL_CARD_MAX_CHARS.toLocaleString('en')} characters; this one has ${markdown.length.toLocaleString('en')}. Shorten it (link to longer reports instead).`,
      { field: 'markdown' },
    );
  }
}

const digest = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/**
 * Saves a new version of an export's card in one transaction with its audit event. `baseVersion`
 * is the version the writer started from (0: there was none); when given and no longer the latest,
 * the save is refused (409 model_card_conflict) instead of silently overwriting a teammate's edit.
 * Saving the latest text again adds no version.
 */
export async function saveModelCard(
  db: Db,
  actor: Actor,
  modelExportId: string,
  markdown: string,
  opts: { baseVersion?: number } = {},
): Promise<ModelCard & { changed: boolean }> {
  requirePermission(actor, 'model_cards.write');
  checkMarkdown(markdown);
  const exp = await db.modelExport.findUnique({ where: { id: modelExportId }, select: { modelId: true } });
  if (!exp) throw notFound('Model', modelExportId, 'model_not_found');
  try {
    const saved = await db.$transaction(async (tx) => {
      const latest = await tx.modelCard.findFirst({ where: { modelExportId }, orderBy: { version: 'desc' } });
      const latestVersion = latest?.version ?? 0;
      if (opts.baseVersion !== undefined && opts.baseVersion !== latestVersion) {
        throw staleVersion(latestVersion, opts.baseVersion);
      }
      if (latest && latest.markdown === markdown) return { row: latest, changed: false };
      const row = await tx.modelCard.create({
        data: {
          modelExportId,
          version: latestVersion + 1,
          markdown,
          createdById: actor.via === 'system' ? null : actor.id,
        },
      });
      await recordAudit(tx, actor, {
        action: 'model_card.save',
        subjectType: 'model_export',
        subjectId: exp.modelId,
        before: latest ? { version: latest.version, sha256: digest(latest.markdown) } : undefined,
        after: { version: row.version, characters: markdown.length, sha256: digest(markdown) },
      });
      return { row, changed: true };
    });
    const card = await getModelCard(db, modelExportId);
    return { ...card!, version: saved.row.version, changed: saved.changed };
  } catch (e) {
    // Two saves on top of the same version raced: the unique (export, version) pair let one win.
    if ((e as { code?: string }).code === 'P2002') {
      const latest = await db.modelCard.findFirst({ where: { modelExportId }, orderBy: { version: 'desc' } });
      throw staleVersion(latest?.version ?? 0, opts.baseVersion ?? (latest?.version ?? 1) - 1);
    }
    throw e;
  }
}

/**
 * Inside an export's transaction: gives the new export its training job's latest card (from the
 * job's other exports) as version 1. A direct export (no job) or a job without a card gets none.
 */
export async function inheritModelCard(
  tx: Tx,
  actor: Actor,
  target: { id: string; modelId: string; trainingJobId: number | null },
): Promise<void> {
  if (target.trainingJobId === null) return;
  const source = await tx.modelCard.findFirst({
    where: { modelExport: { trainingJobId: target.trainingJobId }, modelExportId: { not: target.id } },
    orderBy: [{ createdAt: 'desc' }, { version: 'desc' }],
    include: { modelExport: { select: { modelId: true } } },
  });
  if (!source) return;
  await tx.modelCard.create({
    data: {
      modelExportId: target.id,
      version: 1,
      markdown: source.markdown,
      createdById: source.createdById,
      copiedFromId: source.id,
    },
  });
  await recordAudit(tx, actor, {
    action: 'model_card.inherit',
    subjectType: 'model_export',
    subjectId: target.modelId,
    after: {
      version: 1,
      from: source.modelExport.modelId,
      fromVersion: source.version,
      sha256: digest(source.markdown),
    },
  });
}
