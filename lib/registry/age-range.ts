import 'server-only';
import { DomainError, invalidField } from '../errors';

/** An age group in years, min < max. */
export type AgeRange = { min: number; max: number };

/** A reason shorter than this says nothing a reviewer can weigh ("ok", "test"). */
export const AGE_RANGE_REASON_MIN = 10;

/** "2–3", "2.5–4": the way people write an age group. */
export function formatAgeRange(r: AgeRange): string {
  return `${r.min}–${r.max}`;
}

export function sameAgeRange(a: AgeRange, b: AgeRange): boolean {
  return a.min === b.min && a.max === b.max;
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'bigint') return Number(v);
  return typeof v === 'number' ? v : null;
}

/**
 * The age range a training configuration names, as the pipeline writes it: `age_group_min` and
 * `age_group_max`, or `age_group: [min, max]`. Null when it names none; the numbers are unchecked
 * (resolveJobAgeRange says what is wrong with them, and where they came from).
 */
export function ageRangeFromConfig(cfg: unknown): AgeRange | null {
  if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) return null;
  const c = cfg as Record<string, unknown>;
  const min = toNumber(c.age_group_min);
  const max = toNumber(c.age_group_max);
  if (min !== null && max !== null) return { min, max };
  const pair = c.age_group;
  if (Array.isArray(pair) && pair.length === 2) {
    const [a, b] = pair.map(toNumber);
    if (a !== null && a !== undefined && b !== null && b !== undefined) return { min: a, max: b };
  }
  return null;
}

type Source = { label: string; field: string; range: AgeRange | null | undefined };

/**
 * The range a training job was trained for: the explicit fields, else the checkpoint's
 * training_config, else config_parameters. Sources that name a range must agree: a job recorded
 * with one range whose checkpoint says another would export under a false label.
 */
export function resolveJobAgeRange(sources: {
  explicit?: AgeRange | null;
  checkpoint?: AgeRange | null;
  config?: AgeRange | null;
}): AgeRange | null {
  const named = (
    [
      { label: 'the age_group_min/age_group_max fields', field: 'ageGroupMin', range: sources.explicit },
      { label: "the checkpoint's training_config", field: 'checkpoint', range: sources.checkpoint },
      { label: 'config_parameters', field: 'configParameters', range: sources.config },
    ] satisfies Source[]
  ).filter((s): s is Source & { range: AgeRange } => !!s.range);
  for (const s of named) {
    const { min, max } = s.range;
    if (!Number.isFinite(min) || !Number.isFinite(max) || min < 2 || max > 18 || min >= max) {
      throw invalidField(
        `${s.label} name ages ${min}–${max}; an age group runs from 2.0 to 18.0 years with the minimum below the maximum: correct it.`,
        s.field,
      );
    }
  }
  const [first, ...rest] = named;
  const other = rest.find((s) => !sameAgeRange(s.range, first.range));
  if (first && other) {
    throw new DomainError(
      'unprocessable',
      'age_range_mismatch',
      `${first.label} say ages ${formatAgeRange(first.range)} but ${other.label} says ${formatAgeRange(other.range)}: ` +
        'correct whichever is wrong so both name the ages the model was trained for.',
      { field: first.field, ranges: named.map((s) => ({ source: s.label, min: s.range.min, max: s.range.max })) },
    );
  }
  return first?.range ?? null;
}

export type AgeRangeOverride = { job: AgeRange; reason: string };

/**
 * Whether an export for `wanted` may go ahead from a job trained for `jobRange`: the same range,
 * an unknown one (nothing to check against), or another range with a written reason, which the
 * export then carries as its override. Otherwise refused, naming both ranges and both ways out.
 */
export function checkExportAgeRange(
  jobId: number,
  jobRange: AgeRange | null,
  wanted: AgeRange,
  rawReason: string | null | undefined,
): AgeRangeOverride | null {
  if (!jobRange || sameAgeRange(jobRange, wanted)) return null;
  const reason = (rawReason ?? '').trim();
  const ask =
    `Training job ${jobId} was trained for ages ${formatAgeRange(jobRange)}; this export asks for ` +
    `${formatAgeRange(wanted)}: export for ${formatAgeRange(jobRange)}, or give a reason ` +
    `(age_range_reason, at least ${AGE_RANGE_REASON_MIN} characters) why a model trained on ` +
    `${formatAgeRange(jobRange)} should serve ${formatAgeRange(wanted)}.`;
  if (reason.length >= AGE_RANGE_REASON_MIN) return { job: jobRange, reason };
  throw new DomainError(
    'unprocessable',
    'age_range_mismatch',
    reason ? `${ask} The reason given ("${reason}") is too short.` : ask,
    {
      field: reason ? 'ageRangeReason' : 'ageGroupMin',
      job_age_group_min: jobRange.min,
      job_age_group_max: jobRange.max,
    },
  );
}

/** The wire form of an override (exports and requests): null when the export matched its job. */
export function ageRangeOverrideToJson(e: {
  ageRangeOverrideReason: string | null;
  jobAgeGroupMin: number | null;
  jobAgeGroupMax: number | null;
}) {
  if (e.ageRangeOverrideReason === null || e.jobAgeGroupMin === null || e.jobAgeGroupMax === null) return null;
  return { job_age_group_min: e.jobAgeGroupMin, job_age_group_max: e.jobAgeGroupMax, reason: e.ageRangeOverrideReason };
}

/**
 * What validation says about an export's ages against its job's: an override (with its reason), a
 * job with no recorded range (nothing was checked), or a mismatch from before ranges were checked.
 */
export function ageRangeWarnings(
  exp: {
    ageGroupMin: number;
    ageGroupMax: number;
    ageRangeOverrideReason: string | null;
    jobAgeGroupMin: number | null;
    jobAgeGroupMax: number | null;
  },
  job: { id: number; ageGroupMin: number | null; ageGroupMax: number | null } | null,
): string[] {
  const exported = formatAgeRange({ min: exp.ageGroupMin, max: exp.ageGroupMax });
  if (exp.ageRangeOverrideReason !== null && exp.jobAgeGroupMin !== null && exp.jobAgeGroupMax !== null) {
    const trained = formatAgeRange({ min: exp.jobAgeGroupMin, max: exp.jobAgeGroupMax });
    return [`exported for ${exported} but trained on ${trained}: ${exp.ageRangeOverrideReason}`];
  }
  if (!job) return [];
  if (job.ageGroupMin === null || job.ageGroupMax === null) {
    return [
      `training job ${job.id} has no recorded age range: whether it was trained for ages ${exported} cannot be checked`,
    ];
  }
  const trained = { min: job.ageGroupMin, max: job.ageGroupMax };
  if (sameAgeRange(trained, { min: exp.ageGroupMin, max: exp.ageGroupMax })) return [];
  return [
    `exported for ${exported} but training job ${job.id} was trained on ${formatAgeRange(trained)}, with no reason recorded (exported before age ranges were checked)`,
  ];
}
