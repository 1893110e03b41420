import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called: exit 2 with a pointer to the help. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Every option any command takes; each command lists the ones it accepts (its `options` in cli/commands/). */
export const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  server: { type: 'string' },
  token: { type: 'string' },
  as: { type: 'string' },
  // seed, tokens create
  force: { type: 'boolean' },
  email: { type: 'string' },
  days: { type: 'string' },
  // jobs
  name: { type: 'string' },
  status: { type: 'string' },
  page: { type: 'string' },
  cursor: { type: 'string' },
  checkpoint: { type: 'string' },
  'validation-set': { type: 'string' },
  report: { type: 'string' },
  config: { type: 'string' },
  environment: { type: 'string' },
  'dataset-path': { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  // exports, deployments
  job: { type: 'string' },
  min: { type: 'string' },
  max: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  'model-info': { type: 'string' },
  path: { type: 'string' },
  replace: { type: 'boolean' },
  'no-validate': { type: 'boolean' },
  'no-backup': { type: 'boolean' },
  env: { type: 'string' },
  all: { type: 'boolean' },
  'break-glass': { type: 'string' },
  // seed
  'jobs-only': { type: 'boolean' },
  // deployment requests, reviews, policy
  rationale: { type: 'string' },
  draft: { type: 'boolean' },
  state: { type: 'string' },
  mine: { type: 'boolean' },
  awaiting: { type: 'boolean' },
  approve: { type: 'boolean' },
  'request-changes': { type: 'boolean' },
  reject: { type: 'boolean' },
  comment: { type: 'string' },
  'preview-summary': { type: 'string' },
  reason: { type: 'string' },
  approvals: { type: 'string' },
  preview: { type: 'boolean' },
  'no-preview': { type: 'boolean' },
  // requests amend: each flag either way, and another export
  'no-replace': { type: 'boolean' },
  backup: { type: 'boolean' },
  validate: { type: 'boolean' },
  model: { type: 'string' },
  // users
  role: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  // gc
  apply: { type: 'boolean' },
  grace: { type: 'string' },
  // models card
  set: { type: 'string' },
  base: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export type OptionName = keyof typeof OPTIONS;
export type Values = { [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

export type ParsedArgs = { values: Values; positionals: string[]; given: Set<OptionName> };

/** Parses argv against the union of all options (strict: unknown options and missing values are usage errors). */
export function parseArgv(argv: string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, tokens: true, options: OPTIONS });
  } catch (e) {
    // Node's own advice names `--`; ours says it in one line (an id or path may begin with '-').
    const m = (e as Error).message;
    const dashed = /^Unknown option '(-[^']*)'/.exec(m);
    // Node names only the first letter of a short group ('-b' for '-bXYZ12'): quote the whole argument.
    const arg = dashed && (argv.find((a) => a.startsWith(dashed[1])) ?? dashed[1]);
    throw new UsageError(
      arg
        ? `Unknown option '${arg}'. An argument that begins with '-' goes after '--' (as in: -- ${arg}).`
        : m.replace(/\. To specify a positional argument.*$/s, '.'),
    );
  }
  const given = new Set<OptionName>();
  for (const t of parsed.tokens ?? []) if (t.kind === 'option') given.add(t.name as OptionName);
  return { values: parsed.values as Values, positionals: parsed.positionals, given };
}

/** A required option, or a usage error naming it. */
export function required(v: Values, name: OptionName & keyof Values, command: string): string {
  const x = v[name];
  if (typeof x !== 'string' || x.trim() === '') throw new UsageError(`${command} needs --${name}`, command);
  return x;
}

/** A number given on the command line ("3", "9.5"); a usage error otherwise. */
export function numberOption(v: Values, name: OptionName, command: string): number | undefined {
  const x = v[name];
  if (x === undefined) return undefined;
  if (typeof x !== 'string' || !/^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(x)) {
    throw new UsageError(`--${name} must be a number (got "${String(x)}")`, command);
  }
  return Number(x);
}

export function requiredNumber(v: Values, name: OptionName, command: string): number {
  const n = numberOption(v, name, command);
  if (n === undefined) throw new UsageError(`${command} needs --${name}`, command);
  return n;
}

/** A positive whole number (ids, pages). */
export function idArgument(x: string | undefined, what: string, command: string): number {
  if (x === undefined) throw new UsageError(`${command} needs ${what}`, command);
  if (!/^\d+$/.test(x) || Number(x) < 1 || !Number.isSafeInteger(Number(x))) {
    throw new UsageError(`${what} must be a positive whole number (got "${x}")`, command);
  }
  return Number(x);
}

export function oneOf<T extends string>(
  x: string | undefined,
  allowed: readonly T[],
  name: string,
  command: string,
): T | undefined {
  if (x === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(x))
    throw new UsageError(`--${name} must be one of: ${allowed.join(', ')} (got "${x}")`, command);
  return x as T;
}
