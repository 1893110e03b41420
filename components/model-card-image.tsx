import { ImageResponse } from 'next/og';
import type { ModelExport } from '@/lib/db/generated/client';
import { fmtAgeRange, fmtNumber } from '@/lib/format-display';

export const OG_SIZE = { width: 1200, height: 630 };

type Card = ModelExport & { validationRuns: { isValid: boolean }[]; deployments: { environment: string }[] };

/** The unfurl image of a model: id, age group, status and key metrics, drawn by next/og (no network). */
export function modelCardImage(exp: Card) {
  const metrics = exp.trainingMetrics as Record<string, unknown>;
  const v = exp.validationRuns[0];
  const status = exp.deployments.length
    ? `active in ${exp.deployments.map((d) => d.environment).join(', ')}`
    : v
      ? v.isValid
        ? 'validated'
        : 'failed validation'
      : 'not validated';
  const stats: [string, string][] = [
    ['Final loss', fmtNumber(metrics.final_loss as number)],
    [
      'Validation accuracy',
      typeof metrics.validation_accuracy === 'number' ? `${(metrics.validation_accuracy * 100).toFixed(1)} %` : '—',
    ],
    ['Parameters', exp.parameterCount.toLocaleString('en')],
    ['Format', exp.exportFormat],
  ];
  return new ImageResponse(
    <div
      style={{
        display: 'flex',
        flexDirection: 'column',
        width: '100%',
        height: '100%',
        background: '#eef2ff',
        padding: 64,
        color: '#1e1b4b',
      }}
    >
      <div style={{ display: 'flex', fontSize: 32, color: '#4338ca' }}>Drawbridge · model registry</div>
      <div style={{ display: 'flex', fontSize: 60, fontWeight: 700, marginTop: 24 }}>
        Autoencoder, {fmtAgeRange(exp.ageGroupMin, exp.ageGroupMax)}
      </div>
      <div style={{ display: 'flex', fontSize: 30, marginTop: 12, color: '#334155' }}>{exp.modelId}</div>
      <div
        style={{
          display: 'flex',
          marginTop: 28,
          fontSize: 30,
          padding: '8px 20px',
          borderRadius: 12,
          background: v?.isValid || exp.deployments.length ? '#d1fae5' : '#fef3c7',
          color: '#064e3b',
          alignSelf: 'flex-start',
        }}
      >
        {status}
      </div>
      <div style={{ display: 'flex', marginTop: 'auto', gap: 48 }}>
        {stats.map(([k, val]) => (
          <div key={k} style={{ display: 'flex', flexDirection: 'column' }}>
            <div style={{ display: 'flex', fontSize: 24, color: '#475569' }}>{k}</div>
            <div style={{ display: 'flex', fontSize: 40, fontWeight: 700 }}>{val}</div>
          </div>
        ))}
      </div>
    </div>,
    OG_SIZE,
  );
}
