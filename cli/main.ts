import { parseArgv, UsageError, type OptionName } from './args';
import { COMMANDS } from './commands/index';
import type { CommandImpl, CommandSpec } from './commands/types';

const GROUPS = ['jobs', 'exports', 'models', 'tokens', 'requests', 'policy', 'users', 'audit', 'admin'];

function section(title: string, cmds: CommandSpec[]): string {
  return `${title}:\n${cmds.map((c) => `  ${c.usage}\n      ${c.summary}`).join('\n')}\n`;
}

/** The table's entries named, in that order (the help's sections). */
function named(...names: string[]): CommandSpec[] {
  return names.map((n) => COMMANDS.find((c) => c.name === n)!);
}

export const HELP = `drawbridge — the Drawbridge model registry from the command line

Usage: drawbridge <command> [options]          drawbridge <command> --help for its options

${section('Database', named('migrate', 'seed', 'tokens create', 'gc', 'backup', 'restore'))}
${section('Share-link signing keys', named('admin rotate-key', 'admin list-keys', 'admin retire-key'))}
${section('Users (operator commands: local mode only, act as the system)', named('users create', 'users list', 'users set-role', 'users disable', 'users enable', 'users reset-password'))}
${section('Training jobs', named('jobs push', 'jobs list', 'jobs show'))}
${section('Models', named('export', 'exports list', 'validate', 'models compare', 'models card', 'models share', 'models share-links', 'models unshare'))}
${section('Review and approval', named('requests create', 'requests list', 'requests show', 'requests amend', 'review', 'requests deploy', 'requests withdraw', 'requests submit', 'policy show', 'policy set'))}
${section('Deployments', named('deploy', 'deployed', 'undeploy', 'rollback'))}
${section('Audit', named('audit verify'))}
Modes:
  Local (default): opens the database and artifact store directly and acts as a real user: the
  first admin, or --as EMAIL. Permissions and the audit trail apply as in the console.
  Remote: --server URL --token T talks to a running Drawbridge over its REST API and acts as the
  token's owner (all except migrate, seed, tokens create, gc, restore and users). DRAWBRIDGE_TOKEN may
  hold the token instead of --token.
  The users commands are operator commands on the database: they act as the system (audited as
  "Drawbridge <system@drawbridge.local>"), so "users create --role admin" makes the first admin of
  an empty database.

Global options:
  --as EMAIL                   Local mode: act as this user (default: the first admin).
  --server URL --token T       Remote mode.
  -h, --help                   Show help (drawbridge <command> --help: the command's).

Exit status:
  0 success; 1 the operation failed (the message and its code are printed on stderr, e.g.
  "drawbridge: … (active_model_exists)", "… (approval_required)" with the command to run); 2 usage
  error; 3 validate: the model is not valid; 4 audit verify: the audit chain is broken.

Environment:
  DRAWBRIDGE_DATA_DIR          Data directory of the embedded database and artifacts (default ./data).
  DATABASE_URL                 postgres:// URL: use PostgreSQL instead of the embedded database.
  DRAWBRIDGE_TOKEN             API token for --server (instead of --token).

A typical pipeline run (deployments are review-gated: a teammate approves, a deployer deploys):
  drawbridge jobs push --name autoencoder-2-3 --checkpoint model.pth --validation-set val.safetensors --report report.json
  drawbridge export --job 9 --min 2 --max 3 --format onnx --out model.onnx
  drawbridge validate autoencoder_2.0_3.0_20261127_071000
  drawbridge requests create autoencoder_2.0_3.0_20261127_071000 --env production --replace --rationale "Nightly retrain"
  drawbridge review REQUEST_ID --approve --preview-summary preview.json        # a reviewer, not the requester
  drawbridge requests deploy REQUEST_ID                                         # a deployer

The embedded database admits one process at a time (a lock file beside it names the holder).
While a Drawbridge server holds DRAWBRIDGE_DATA_DIR, local-mode commands go through that server's
API as the same user (--as EMAIL, or the first admin); migrate, seed, tokens create, gc, restore and
users are refused with what to run instead. Another command holding it is named; wait for it to finish.
`;

const COMMON = ['help', 'server', 'token', 'as'] as const satisfies OptionName[];

export function commandHelp(c: CommandSpec, impl: CommandImpl): string {
  const local =
    c.localActor === 'system'
      ? 'Local mode acts as the system (audited as "Drawbridge"), or --as EMAIL'
      : 'Local mode acts as the first admin, or --as EMAIL';
  const modes = c.remote
    ? `\n${local};\n--server URL --token T (or DRAWBRIDGE_TOKEN) runs it against a Drawbridge server as the token's owner.\n`
    : `\nRuns on the database directly (DRAWBRIDGE_DATA_DIR or DATABASE_URL); it does not take --server.\n`;
  return `Usage: drawbridge ${c.usage}\n\n${impl.help}${modes}`;
}

/** The command named by the leading positionals, and the positionals after its name. */
function findCommand(positionals: string[]): { command: CommandSpec; args: string[] } | { group: string } | null {
  const [a, b] = positionals;
  const two = COMMANDS.find((c) => c.name === `${a} ${b}`);
  if (two) return { command: two, args: positionals.slice(2) };
  const one = COMMANDS.find((c) => c.name === a);
  if (one) return { command: one, args: positionals.slice(1) };
  if (GROUPS.includes(a)) return { group: a };
  return null;
}

export async function main(argv: string[]): Promise<number> {
  const stdout = (s: string) => void process.stdout.write(s);
  try {
    const { values: v, positionals, given } = parseArgv(argv);
    if (positionals[0] === 'help') {
      const found = positionals.length > 1 ? findCommand(positionals.slice(1)) : null;
      stdout(found && 'command' in found ? commandHelp(found.command, await found.command.load()) : HELP);
      return 0;
    }
    if (!positionals.length) {
      stdout(HELP);
      return v.help ? 0 : 2;
    }
    const found = findCommand(positionals);
    if (!found) throw new UsageError(`unknown command "${positionals.slice(0, 2).join(' ')}"`);
    if ('group' in found) {
      const subs = COMMANDS.filter((c) => c.name.startsWith(`${found.group} `));
      if (v.help) {
        stdout(section(`drawbridge ${found.group}`, subs));
        return 0;
      }
      const sub = positionals[1];
      throw new UsageError(
        `${sub ? `unknown command "${found.group} ${sub}"; ` : ''}${found.group} takes: ${subs.map((c) => c.name.split(' ')[1]).join(', ')}`,
      );
    }
    const { command, args } = found;
    if (v.help) {
      stdout(commandHelp(command, await command.load()));
      return 0;
    }
    const allowed = new Set<OptionName>([...COMMON, ...command.options]);
    for (const name of given) {
      if (!allowed.has(name)) throw new UsageError(`${command.name} does not take --${name}`, command.name);
    }
    if (args.length > (command.maxArgs ?? 0))
      throw new UsageError(`unexpected argument "${args[command.maxArgs ?? 0]}"`, command.name);

    const token = v.token ?? process.env.DRAWBRIDGE_TOKEN;
    if (v.server) {
      if (!command.remote)
        throw new UsageError(`${command.name} works on the database directly; it does not take --server`, command.name);
      if (v.as)
        throw new UsageError("--as is for local mode; over --server you act as the token's owner", command.name);
      if (!token)
        throw new UsageError(
          '--server needs --token (or DRAWBRIDGE_TOKEN); create one on the API tokens page or with "drawbridge tokens create"',
          command.name,
        );
      const [{ Remote }, impl] = await Promise.all([import('./remote'), command.load()]);
      return await impl.run({ v, args, remote: new Remote(v.server, token), out: stdout });
    }
    if (v.token) throw new UsageError('--token goes with --server URL', command.name);
    if (v.as && !command.remote)
      throw new UsageError(`${command.name} does not act as a user; it does not take --as`, command.name);
    // Local mode only: these open the embedded database's lock, and through it the database client.
    const [{ setLockIdentity }, { ownerRouteError, routeThroughOwner }, impl] = await Promise.all([
      import('../lib/db/data-dir-lock'),
      import('./local'),
      command.load(),
    ]);
    // The lock this command takes on the embedded database names it; a running server's lock
    // sends the command through that server instead.
    setLockIdentity({ kind: 'cli', command: `drawbridge ${command.name}` });
    const routed = routeThroughOwner(command, v.as);
    if (routed) {
      // The command acts through the server: --as travels as a header, not as a local option.
      return await impl
        .run({ v: { ...v, as: undefined }, args, remote: routed, out: stdout })
        .catch((e) => Promise.reject(ownerRouteError(e)));
    }
    return await impl.run({ v, args, remote: null, out: stdout });
  } catch (e) {
    // Loaded here, not up front: the error text needs zod's error type, and --help needs neither.
    const { describeError, failureText } = await import('./output');
    const f = describeError(e);
    process.stderr.write(failureText(f));
    return f.exitCode;
  }
}
