import { Badge } from '@/components/ui';
import { fmtFormat } from '@/lib/format-display';

/** What the list knows about a row, from listExportedModels. */
export type ListedExport = {
  exportFormat: string;
  ageRangeOverrideReason: string | null;
  validationRuns: { isValid: boolean }[];
  deployments: { environment: string }[];
  _count: { shareLinks: number };
};

/** production / staging (active deployments there), else candidate: the question the list answers first. */
export function StatusBadges({ m }: { m: ListedExport }) {
  const envs = [...new Set(m.deployments.map((d) => d.environment))].sort();
  if (!envs.length) return <Badge tone="slate">candidate</Badge>;
  return (
    <span className="flex flex-wrap gap-1">
      {envs.map((e) => (
        <Badge key={e} tone={e === 'production' ? 'green' : 'amber'}>
          {e}
        </Badge>
      ))}
    </span>
  );
}

/** Tags derived from facts (never typed by hand): format, validation, age override, shared. */
export function ModelTags({ m }: { m: ListedExport }) {
  const v = m.validationRuns[0];
  return (
    <span className="flex flex-wrap gap-1" data-testid="model-tags">
      <Badge tone="indigo">{fmtFormat(m.exportFormat)}</Badge>
      {v ? (
        <Badge tone={v.isValid ? 'green' : 'red'}>{v.isValid ? 'validated' : 'invalid'}</Badge>
      ) : (
        <Badge tone="slate">not validated</Badge>
      )}
      {m.ageRangeOverrideReason !== null && <Badge tone="red">age range override</Badge>}
      {m._count.shareLinks > 0 && <Badge tone="slate">shared by link</Badge>}
    </span>
  );
}
