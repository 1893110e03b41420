import 'server-only';
import { z } from 'zod';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import type { Db } from '../db';
import type { Prisma } from '../db/generated/client';
import { EXPORT_FORMATS } from '../formats/export';

/** list_exported_models: the filters, the sortable columns and the paging behind the list and its API. */

export const EXPORT_ENVIRONMENTS = ['production', 'staging', 'candidate'] as const;
/** Each sortable column both ways: newest/oldest (exported), age, size, params, name. */
export const EXPORT_SORTS = [
  'newest',
  'oldest',
  'age',
  'age-desc',
  'size',
  'size-asc',
  'params',
  'params-asc',
  'name',
  'name-desc',
] as const;
export type ExportSort = (typeof EXPORT_SORTS)[number];

export const listExportsSchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
  ageGroupMin: z.coerce.number().optional(),
  ageGroupMax: z.coerce.number().optional(),
  // Not exports.ts's exportFormatSchema: exports.ts re-exports this module (no cycle).
  exportFormat: z.enum(EXPORT_FORMATS).optional(),
  trainingJobId: z.coerce.number().int().optional(),
  q: z.string().trim().max(200).optional(),
  validation: z.enum(['valid', 'invalid', 'none']).optional(),
  deployed: z.enum(['yes', 'no']).optional(),
  /** production / staging: an active deployment there; candidate: active in neither. */
  environment: z.enum(EXPORT_ENVIRONMENTS).optional(),
  /** Facts the list shows as tags: exported for other ages than trained; shared by a live link. */
  tag: z.enum(['age-override', 'shared']).optional(),
  sort: z.enum(EXPORT_SORTS).default('newest'),
});
export type ListExportsInput = z.input<typeof listExportsSchema>;

/** list_exported_models: newest first, paginated and filterable. */
export async function listExportedModels(db: Db, actor: Actor, raw: ListExportsInput = {}) {
  requirePermission(actor, 'models.read');
  const f = listExportsSchema.parse(raw);
  const where: Prisma.ModelExportWhereInput = {
    ...(f.ageGroupMin !== undefined ? { ageGroupMin: f.ageGroupMin } : {}),
    ...(f.ageGroupMax !== undefined ? { ageGroupMax: f.ageGroupMax } : {}),
    ...(f.exportFormat ? { exportFormat: f.exportFormat } : {}),
    ...(f.trainingJobId !== undefined ? { trainingJobId: f.trainingJobId === 0 ? null : f.trainingJobId } : {}),
    ...(f.q
      ? { OR: [{ modelId: { contains: f.q } }, { trainingJob: { jobName: { contains: f.q, mode: 'insensitive' } } }] }
      : {}),
    ...(f.validation === 'valid' ? { validationRuns: { some: { isValid: true } } } : {}),
    ...(f.validation === 'invalid' ? { validationRuns: { some: { isValid: false }, none: { isValid: true } } } : {}),
    ...(f.validation === 'none' ? { validationRuns: { none: {} } } : {}),
    ...(f.deployed === 'yes' ? { deployments: { some: { isActive: true } } } : {}),
    ...(f.deployed === 'no' ? { deployments: { none: { isActive: true } } } : {}),
    ...(f.environment === 'candidate' ? { deployments: { none: { isActive: true } } } : {}),
    ...(f.environment && f.environment !== 'candidate'
      ? { AND: [{ deployments: { some: { isActive: true, environment: f.environment } } }] }
      : {}),
    ...(f.tag === 'age-override' ? { ageRangeOverrideReason: { not: null } } : {}),
    ...(f.tag === 'shared' ? { shareLinks: { some: liveShareLink() } } : {}),
  };
  const newestFirst = { exportTimestamp: 'desc' } as const;
  const name = (dir: 'asc' | 'desc') => [
    { trainingJob: { jobName: dir } },
    { ageGroupMin: dir },
    { exportFormat: dir },
    newestFirst,
  ];
  const orderBy = (
    {
      newest: [newestFirst, { modelId: 'desc' }],
      oldest: [{ exportTimestamp: 'asc' }, { modelId: 'asc' }],
      age: [{ ageGroupMin: 'asc' }, { ageGroupMax: 'asc' }, newestFirst],
      'age-desc': [{ ageGroupMin: 'desc' }, { ageGroupMax: 'desc' }, newestFirst],
      size: [{ fileSizeBytes: 'desc' }, newestFirst],
      'size-asc': [{ fileSizeBytes: 'asc' }, newestFirst],
      params: [{ parameterCount: 'desc' }, newestFirst],
      'params-asc': [{ parameterCount: 'asc' }, newestFirst],
      // The readable name's order: job name, then ages, then format.
      name: name('asc'),
      'name-desc': name('desc'),
    } satisfies Record<ExportSort, Prisma.ModelExportOrderByWithRelationInput[]>
  )[f.sort];
  const [total, exports] = await Promise.all([
    db.modelExport.count({ where }),
    db.modelExport.findMany({
      where,
      orderBy,
      skip: (f.page - 1) * f.pageSize,
      take: f.pageSize,
      include: {
        validationRuns: { orderBy: { createdAt: 'desc' }, take: 1, select: { isValid: true } },
        deployments: { where: { isActive: true }, select: { environment: true } },
        trainingJob: { select: { jobName: true } },
        _count: { select: { shareLinks: { where: liveShareLink() } } },
      },
    }),
  ]);
  // pages is at least 1, so a page past the end can say how many there are.
  return { total, page: f.page, pageSize: f.pageSize, pages: Math.max(1, Math.ceil(total / f.pageSize)), exports };
}

/** A share link that still opens the page: not revoked, not expired. */
function liveShareLink(): Prisma.ShareLinkWhereInput {
  return { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] };
}
