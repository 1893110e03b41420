/** Training and validation loss per epoch, as a static SVG (a server component: no JS shipped). */
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
  const yTicks = Array.from({ length: 5 }, (_, i) => {
    const t = y0 + ((y1 - y0) * i) / 4;
    return useLog ? 10 ** t : t;
  });
  const xTicks = Array.from(new Set([1, Math.ceil(n / 4), Math.ceil(n / 2), Math.ceil((3 * n) / 4), n])).filter(
    (e) => e >= 1,
  );
  return (
    <figure>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Loss per epoch over ${n} epochs, from ${all[0]?.toPrecision(3)} to ${train.at(-1)?.toPrecision(3)}`}
        className="h-auto w-full max-w-2xl"
      >
        <rect x={m.l} y={m.t} width={W - m.l - m.r} height={H - m.t - m.b} fill="#fff" stroke="#cbd5e1" />
        {yTicks.map((t) => (
          <g key={t}>
            <line x1={m.l} x2={W - m.r} y1={y(t)} y2={y(t)} stroke="#e2e8f0" />
            <text x={m.l - 6} y={y(t) + 4} textAnchor="end" fontSize="11" fill="#475569">
              {t.toPrecision(2)}
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
          <polyline
            key={s.name}
            fill="none"
            stroke={s.color}
            strokeWidth="2"
            strokeDasharray={s.dash}
            points={s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
          />
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
    </figure>
  );
}
