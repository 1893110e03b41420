import { fmtTick, linearTicks, logTicks } from '@/lib/chart-ticks';

/**
 * Training and validation loss per epoch, as a static SVG (a server component: no JS shipped).
 * Each point carries its value as a hover title; the same numbers are in a visually hidden table,
 * since a screen reader reads the chart only as its summary.
 */
export function LossChart({ train, validation }: { train: number[]; validation?: number[] }) {
  const series = [
    { name: 'Training loss', values: train, color: '#4338ca', dash: undefined },
    ...(validation?.length ? [{ name: 'Validation loss', values: validation, color: '#b45309', dash: '6 4' }] : []),
  ];
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  if (!all.length) return <p className="text-sm text-slate-600">No loss curve was recorded for this job.</p>;
  const W = 640;
  const H = 260;
  const m = { l: 64, r: 16, t: 12, b: 44 };
  const n = Math.max(...series.map((s) => s.values.length));
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  // Losses fall over orders of magnitude: a log scale keeps late epochs visible.
  const useLog = lo > 0 && hi / lo > 20;
  const f = (v: number) => (useLog ? Math.log10(v) : v);
  const y0 = f(lo);
  const y1 = f(hi) === y0 ? y0 + 1 : f(hi);
  const x = (i: number) => m.l + (n <= 1 ? 0 : (i / (n - 1)) * (W - m.l - m.r));
  const y = (v: number) => m.t + (1 - (f(v) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const yTicks = useLog ? logTicks(lo, hi, 6) : linearTicks(lo, hi === lo ? lo + 1 : hi, 6);
  const xTicks = linearTicks(1, Math.max(2, n), 6).filter((e) => Number.isInteger(e) && e <= n);
  const label = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : fmtTick(v, 4));
  return (
    <figure className="relative min-w-0">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Loss per epoch over ${n} epochs, from ${label(all[0])} to ${label(train.at(-1))}${useLog ? ', log scale' : ''}`}
        className="h-auto w-full max-w-2xl"
      >
        <rect x={m.l} y={m.t} width={W - m.l - m.r} height={H - m.t - m.b} fill="#fff" stroke="#cbd5e1" />
        {yTicks.map((t) => (
          <g key={t}>
            <line x1={m.l} x2={W - m.r} y1={y(t)} y2={y(t)} stroke="#e2e8f0" />
            <text x={m.l - 6} y={y(t) + 4} textAnchor="end" fontSize="11" fill="#475569">
              {fmtTick(t)}
            </text>
          </g>
        ))}
        {xTicks.map((e) => (
          <text key={e} x={x(e - 1)} y={H - m.b + 16} textAnchor="middle" fontSize="11" fill="#475569">
            {e}
          </text>
        ))}
        <text x={(W + m.l) / 2} y={H - 6} textAnchor="middle" fontSize="12" fill="#334155">
          Epoch
        </text>
        <text
          x={14}
          y={(H - m.b) / 2}
          textAnchor="middle"
          fontSize="12"
          fill="#334155"
          transform={`rotate(-90 14 ${(H - m.b) / 2})`}
        >
          MSE loss{useLog ? ' (log scale)' : ''}
        </text>
        {series.map((s) => (
          <g key={s.name}>
            <polyline
              fill="none"
              stroke={s.color}
              strokeWidth="2"
              strokeDasharray={s.dash}
              points={s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
            />
            {s.values.map((v, i) =>
              Number.isFinite(v) ? (
                <circle key={i} cx={x(i)} cy={y(v)} r="4" fill={s.color} fillOpacity="0.01" stroke="none">
                  <title>{`Epoch ${i + 1}: ${s.name.toLowerCase()} ${label(v)}`}</title>
                </circle>
              ) : null,
            )}
          </g>
        ))}
      </svg>
      <figcaption className="mt-2 flex gap-4 text-xs text-slate-700">
        {series.map((s) => (
          <span key={s.name} className="inline-flex items-center gap-1">
            <svg width="24" height="6" aria-hidden="true">
              <line x1="0" x2="24" y1="3" y2="3" stroke={s.color} strokeWidth="2" strokeDasharray={s.dash} />
            </svg>
            {s.name}
          </span>
        ))}
      </figcaption>
      {/* A table ignores width: 1px (it grows to fit its cells), so the visually hidden box is a div. */}
      <div className="sr-only">
        <table>
          <caption>Loss per epoch</caption>
          <thead>
            <tr>
              <th scope="col">Epoch</th>
              {series.map((s) => (
                <th key={s.name} scope="col">
                  {s.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: n }, (_, i) => (
              <tr key={i}>
                <th scope="row">{i + 1}</th>
                {series.map((s) => (
                  <td key={s.name}>{label(s.values[i])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
