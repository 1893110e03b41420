/**
 * The harness behind the `*.property.test.ts` files: fast-check runs a reader over random and
 * mutated inputs and checks that every case either returns or throws one of our typed errors
 * (by instanceof, which survives duplicated modules through errorFamily), within a time cap per
 * case and a memory cap over the run. It prints, per reader, the cases run, the seed, the elapsed
 * time and how many returned versus which error class/code.
 *
 * DRAWBRIDGE_PROPERTY_SEED replays a run; DRAWBRIDGE_PROPERTY_RUNS changes the case count (the
 * default, 10 000, is what `npm test` runs).
 */
import fc from 'fast-check';
import { concatBytes } from '../bytes-write';
import { ModelCompatibilityError, ModelValidationError } from '../errors';

export const DEFAULT_RUNS = 10_000;
/** A case slower than this three times running (a GC pause is not a finding) fails the property. */
export const TIME_CAP_MS = 200;
/** RSS and heap may not grow by more than this over a run. */
export const MEMORY_CAP_BYTES = 256 * 1024 * 1024;

export type Classify = (e: unknown) => string | null;

/** Our reader errors: ModelValidationError / ModelCompatibilityError with a stable code and a message. */
export const formatErrors: Classify = (e) => {
  for (const [cls, label] of [
    [ModelValidationError, 'ModelValidationError'],
    [ModelCompatibilityError, 'ModelCompatibilityError'],
  ] as const) {
    if (e instanceof cls && /^[a-z][a-z0-9_]*$/.test(e.code) && e.message.length > 0) return `${label}:${e.code}`;
  }
  return null;
};

export type PropertySummary = {
  reader: string;
  cases: number;
  seed: number;
  elapsedMs: number;
  slowestMs: number;
  returned: number;
  errors: Record<string, number>;
  rssGrowth: number;
  heapGrowth: number;
};

export type ReaderProperty<T> = {
  reader: string;
  /** Fixed default seed of this reader (printed; DRAWBRIDGE_PROPERTY_SEED overrides). */
  seed: number;
  arbitrary: fc.Arbitrary<T>;
  run: (input: T) => unknown;
  classify?: Classify;
  /** Further checks on a returned value (e.g. a round trip); throw to fail. */
  onReturn?: (input: T, result: unknown) => void;
  /** Further checks on a typed error (e.g. a payload must be refused as unsafe); throw to fail. */
  onError?: (input: T, label: string, error: unknown) => void;
  numRuns?: number;
};

function describeError(e: unknown): string {
  if (e instanceof Error)
    return `${e.constructor.name}${'code' in e ? `(${String((e as { code: unknown }).code)})` : ''}: ${e.message}`;
  return `non-Error thrown: ${String(e)}`;
}

export function propertyRuns(): number {
  const env = process.env.DRAWBRIDGE_PROPERTY_RUNS;
  return env ? Number(env) : DEFAULT_RUNS;
}

/** Runs the property; throws (with fast-check's shrunk counterexample) when a case breaks it. */
export async function checkReader<T>(p: ReaderProperty<T>): Promise<PropertySummary> {
  const classify = p.classify ?? formatErrors;
  const seed = process.env.DRAWBRIDGE_PROPERTY_SEED ? Number(process.env.DRAWBRIDGE_PROPERTY_SEED) : p.seed;
  const numRuns = p.numRuns ?? propertyRuns();
  let returned = 0;
  let slowest = 0;
  const errors: Record<string, number> = {};
  const mem0 = process.memoryUsage();
  let peakRss = mem0.rss;
  let peakHeap = mem0.heapUsed;
  let n = 0;

  const once = async (input: T): Promise<{ ms: number; label: string | null; value?: unknown; error?: unknown }> => {
    const t0 = performance.now();
    try {
      const value = await p.run(input);
      return { ms: performance.now() - t0, label: null, value };
    } catch (error) {
      const ms = performance.now() - t0;
      const label = classify(error);
      if (label === null) throw new Error(`${p.reader}: untyped error ${describeError(error)}`, { cause: error });
      return { ms, label, error };
    }
  };

  const t0 = performance.now();
  await fc.assert(
    fc.asyncProperty(p.arbitrary, async (input) => {
      let r = await once(input);
      // A slow input is slow every time; a scheduler or GC pause on a busy box is not.
      for (let retry = 0; r.ms > TIME_CAP_MS && retry < 2; retry++) {
        const again = await once(input);
        if (again.ms < r.ms) r = again;
      }
      if (r.ms > TIME_CAP_MS)
        throw new Error(`${p.reader}: a case took ${r.ms.toFixed(0)} ms at best of three (cap ${TIME_CAP_MS} ms)`);
      slowest = Math.max(slowest, r.ms);
      if (r.label === null) {
        returned++;
        p.onReturn?.(input, r.value);
      } else {
        errors[r.label] = (errors[r.label] ?? 0) + 1;
        p.onError?.(input, r.label, r.error);
      }
      if (++n % 250 === 0) {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
        if (peakRss - mem0.rss > MEMORY_CAP_BYTES || peakHeap - mem0.heapUsed > MEMORY_CAP_BYTES) {
          throw new Error(
            `${p.reader}: memory grew by ${((peakRss - mem0.rss) / 2 ** 20).toFixed(0)} MB RSS / ${((peakHeap - mem0.heapUsed) / 2 ** 20).toFixed(0)} MB heap`,
          );
        }
      }
    }),
    // No shrinking: a shrink step of a slow case costs the cap again, and the seed replays the failure anyway.
    { seed, numRuns, endOnFailure: true },
  );
  const m = process.memoryUsage();
  const summary: PropertySummary = {
    reader: p.reader,
    cases: returned + Object.values(errors).reduce((a, b) => a + b, 0),
    seed,
    elapsedMs: Math.round(performance.now() - t0),
    slowestMs: Math.round(slowest * 10) / 10,
    returned,
    errors,
    rssGrowth: Math.max(peakRss, m.rss) - mem0.rss,
    heapGrowth: Math.max(peakHeap, m.heapUsed) - mem0.heapUsed,
  };
  const errs = Object.entries(errors)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  console.log(
    `[property] ${summary.reader}: ${summary.cases} cases, seed ${seed}, ${summary.elapsedMs} ms (slowest case ${summary.slowestMs} ms), ` +
      `RSS +${(summary.rssGrowth / 2 ** 20).toFixed(1)} MB, heap +${(summary.heapGrowth / 2 ** 20).toFixed(1)} MB; returned ${returned}; errors ${errs}`,
  );
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Byte-level mutations of valid files

const INTERESTING_U32 = [
  0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
];
const INTERESTING_U64 = [
  0n,
  1n,
  0xffffffffn,
  0x100000000n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
];

export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'run'; at: number; byte: number; length: number }
  | { op: 'delete'; at: number; length: number }
  | { op: 'u32'; at: number; value: number; delta: number }
  | { op: 'u64'; at: number; value: bigint }
  | { op: 'duplicate'; at: number; length: number; to: number }
  | { op: 'splice'; at: number; from: number; length: number; other: number };

const pos = fc.nat({ max: 0x7fffffff });

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('flip' as const), at: pos, bit: fc.integer({ min: 0, max: 7 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      at: pos,
      value: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), fc.integer({ min: 0, max: 255 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: pos }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      at: pos,
      bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('run' as const),
      at: pos,
      byte: fc.constantFrom(0x20, 0x30, 0x31, 0x00, 0xff, 0x28, 0x5d, 0x7b, 0x5b, 0x0a),
      // Mostly short; sometimes long enough that a quadratic scan shows against the time cap.
      length: fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: 1, max: 64 }) },
        { weight: 1, arbitrary: fc.integer({ min: 1000, max: 24_000 }) },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('delete' as const), at: pos, length: fc.integer({ min: 1, max: 32 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('u32' as const),
      at: pos,
      value: fc.constantFrom(...INTERESTING_U32),
      delta: fc.integer({ min: -2, max: 2 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('u64' as const), at: pos, value: fc.constantFrom(...INTERESTING_U64) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('duplicate' as const),
      at: pos,
      length: fc.integer({ min: 1, max: 256 }),
      to: pos,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('splice' as const),
      at: pos,
      from: pos,
      length: fc.integer({ min: 1, max: 128 }),
      other: pos,
    }),
  },
);

/** Applies `m` to `b` (positions are taken modulo the length, so any mutation fits any file). */
export function applyMutation(b: Uint8Array, m: Mutation, others: readonly Uint8Array[] = []): Uint8Array {
  const len = b.length;
  const at = len ? m.at % (len + 1) : 0;
  const cat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);
  switch (m.op) {
    case 'flip':
    case 'set': {
      if (!len) return b;
      const out = b.slice();
      const i = m.at % len;
      out[i] = m.op === 'flip' ? out[i] ^ (1 << m.bit) : m.value;
      return out;
    }
    case 'truncate':
      return b.subarray(0, at);
    case 'insert':
      return cat(b.subarray(0, at), m.bytes, b.subarray(at));
    case 'run':
      return cat(b.subarray(0, at), new Uint8Array(m.length).fill(m.byte), b.subarray(at));
    case 'delete':
      return cat(b.subarray(0, at), b.subarray(Math.min(len, at + m.length)));
    case 'u32': {
      if (len < 4) return b;
      const out = b.slice();
      const i = m.at % (len - 3);
      // Either an interesting constant or the current value nudged (a length off by one or two).
      const cur = new DataView(out.buffer).getUint32(i, true);
      const v = m.delta === 0 ? m.value : (cur + m.delta) >>> 0;
      new DataView(out.buffer).setUint32(i, v, true);
      return out;
    }
    case 'u64': {
      if (len < 8) return b;
      const out = b.slice();
      new DataView(out.buffer).setBigUint64(m.at % (len - 7), m.value, true);
      return out;
    }
    case 'duplicate': {
      const piece = b.slice(at, at + m.length);
      const to = len ? m.to % (len + 1) : 0;
      return cat(b.subarray(0, to), piece, b.subarray(to));
    }
    case 'splice': {
      if (!others.length) return b;
      const o = others[m.other % others.length];
      const from = o.length ? m.from % o.length : 0;
      return cat(b.subarray(0, at), o.subarray(from, from + m.length), b.subarray(at));
    }
  }
}

/** A seed file with 1–4 stacked mutations (splices draw on the other seeds). */
export function mutatedArb(seeds: readonly Uint8Array[], maxMutations = 4): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: maxMutations }))
    .map(([i, ms]) => ms.reduce((b, m) => applyMutation(b, m, seeds), seeds[i]));
}

/** Fully random bytes, optionally behind a format's magic prefix. */
export function randomBytesArb(prefixes: readonly Uint8Array[] = [], maxLength = 512): fc.Arbitrary<Uint8Array> {
  const raw = fc.uint8Array({ maxLength });
  if (!prefixes.length) return raw;
  return fc.oneof(
    raw,
    fc.tuple(fc.constantFrom(...prefixes), raw).map(([p, r]) => {
      const out = new Uint8Array(p.length + r.length);
      out.set(p);
      out.set(r, p.length);
      return out;
    }),
  );
}
