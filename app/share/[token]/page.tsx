import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ExportMetadata, LayerTable } from '@/components/model-overview';
import { Badge } from '@/components/ui';
import { publicUrl } from '@/lib/config';
import { getDb } from '@/lib/db';
import { fmtAgeRange, fmtDate, fmtFormat, fmtModelName } from '@/lib/format-display';
import { getModelCard } from '@/lib/registry/model-card';
import { resolveShareToken } from '@/lib/registry/share-links';
import { SharedModelCard } from './_components/shared-model-card';
import { SharedPreview } from './_components/shared-preview';
import { ValidationSummary } from './_components/validation-summary';

type Params = { params: Promise<{ token: string }> };

// The token is the credential; nothing here is cached between visitors.
export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { token } = await params;
  const exp = await resolveShareToken(await getDb(), token, { count: false });
  if (!exp) return { title: 'Link not available', robots: { index: false } };
  const title = `${fmtModelName(exp)} · ${exp.modelId}`;
  const description = `${fmtFormat(exp.exportFormat)} export, ${exp.parameterCount.toLocaleString('en')} parameters, shared read-only from Drawbridge.`;
  return {
    metadataBase: publicUrl(),
    title,
    description,
    robots: { index: false, follow: false },
    openGraph: { title, description, type: 'website', url: `/share/${token}` },
    twitter: { card: 'summary_large_image', title, description },
  };
}

/**
 * The page a public link opens: what the model is, how it was checked, and its reconstructions run
 * in the visitor's own browser. Everything it loads is scoped to this one link.
 */
export default async function SharedModelPage({ params }: Params) {
  const { token } = await params;
  const db = await getDb();
  const exp = await resolveShareToken(db, token);
  if (!exp) notFound();
  const card = await getModelCard(db, exp.id);
  const v = exp.validationRuns[0];
  return (
    <main className="mx-auto max-w-6xl px-4 py-8">
      <p className="text-sm text-slate-600">Shared read-only from Drawbridge</p>
      <div className="mt-1 mb-6 flex flex-wrap items-end justify-between gap-4">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight">{fmtModelName(exp)}</h1>
          <p className="mt-1 font-mono text-xs break-all text-slate-600">{exp.modelId}</p>
          <p className="mt-1 text-sm text-slate-600">
            Autoencoder for {fmtAgeRange(exp.ageGroupMin, exp.ageGroupMax)}, exported {fmtDate(exp.exportTimestamp)} as{' '}
            {fmtFormat(exp.exportFormat)}.
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          {v ? (
            <Badge tone={v.isValid ? 'green' : 'red'}>{v.isValid ? 'valid' : 'invalid'}</Badge>
          ) : (
            <Badge tone="amber">not validated</Badge>
          )}
          {exp.deployments.map((d) => (
            <Badge key={d.environment} tone="green">
              active in {d.environment}
            </Badge>
          ))}
        </div>
      </div>
      <SharedModelCard card={card} />
      <div className="grid gap-6 lg:grid-cols-3">
        <ExportMetadata exp={exp} />
      </div>
      <ValidationSummary run={v} />
      <LayerTable exp={exp} />
      <SharedPreview token={token} exp={exp} />
    </main>
  );
}
