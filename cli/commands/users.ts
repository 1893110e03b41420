import { ROLES, type Role } from '../../lib/auth/permissions';
import { SYSTEM_ACTOR } from '../../lib/registry/audit';
import {
  createUser,
  findUserByEmail,
  listUsers,
  MIN_PASSWORD_LENGTH,
  resetPassword,
  setUserDisabled,
  setUserRole,
  type UserSummary,
} from '../../lib/registry/users';
import { oneOf, required, UsageError } from '../args';
import { withDb } from '../local';
import { json, table } from '../output';
import type { CommandImpl } from './types';

/*
 * Operator commands on the database (local mode only): they act as the system actor — so the very
 * first admin can be created on an empty database — but go through lib/registry/users, with its
 * validation, guard rails (never the last active admin) and audit trail.
 */

const note = (s: string) => void process.stderr.write(s);

function emailArgument(args: string[], command: string): string {
  const email = args[0];
  if (!email || !email.trim()) throw new UsageError(`${command} needs the user's EMAIL`, command);
  return email;
}

function roleArgument(x: string | undefined, command: string): Role {
  if (x === undefined) throw new UsageError(`${command} needs a ROLE (${ROLES.join(', ')})`, command);
  if (!(ROLES as readonly string[]).includes(x))
    throw new UsageError(`ROLE must be one of: ${ROLES.join(', ')} (got "${x}")`, command);
  return x as Role;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  // One trailing newline (echo, a here-string) is not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const status = (u: UserSummary) => (u.disabledAt ? 'disabled' : 'active');

function userJson(u: UserSummary) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    status: status(u),
    created_at: u.createdAt.toISOString(),
    disabled_at: u.disabledAt?.toISOString() ?? null,
  };
}

export const usersCreate: CommandImpl = {
  help: `Create a user account. Works on an empty database: this is how the first admin of a new
install (e.g. on PostgreSQL) is made. Without --password-stdin a strong password is generated and
printed once, alone on stdout; pass it on to the user. Only its scrypt hash is stored, and the
audit log records the creation (never the password).

Options:
  --email E          Sign-in email (stored in lower case; must be new).
  --name N           Display name.
  --role R           One of: ${ROLES.join(', ')}.
  --password-stdin   Read the password from stdin instead (at least ${MIN_PASSWORD_LENGTH} characters; one
                     trailing newline is dropped).

Examples:
  DATABASE_URL=postgresql://… drawbridge users create --email ada@example.org --name "Ada Lovelace" --role admin
  printf %s "$PASSWORD" | drawbridge users create --email ci@example.org --name CI --role reviewer --password-stdin
`,
  async run({ v, out }) {
    const cmd = 'users create';
    const email = required(v, 'email', cmd);
    const name = required(v, 'name', cmd);
    const role = oneOf(required(v, 'role', cmd), ROLES, 'role', cmd)!;
    const password = v['password-stdin'] ? await readStdin() : undefined;
    return withDb(async (db) => {
      const { user, generatedPassword } = await createUser(db, SYSTEM_ACTOR, { email, name, role, password });
      if (generatedPassword) {
        out(`${generatedPassword}\n`);
        note(`created ${user.email} (${user.role}); the password above is shown once, pass it on safely\n`);
      } else {
        out(`created ${user.email} (${user.role})\n`);
      }
      return 0;
    });
  },
};

export const usersList: CommandImpl = {
  help: `List every user account, oldest first: email, name, role, status (active or disabled) and
when it was created.

Options:
  --json         Print {"users": [...]} as JSON.

Example:
  drawbridge users list
`,
  async run({ v, out }) {
    return withDb(async (db) => {
      const users = await listUsers(db, SYSTEM_ACTOR);
      if (v.json) out(json({ users: users.map(userJson) }));
      else {
        const rows = users.map((u) => [u.email, u.name, u.role, status(u), u.createdAt.toISOString().slice(0, 10)]);
        out(
          table(['EMAIL', 'NAME', 'ROLE', 'STATUS', 'CREATED'], rows) +
            `${users.length} user${users.length === 1 ? '' : 's'}\n`,
        );
      }
      return 0;
    });
  },
};

export const usersSetRole: CommandImpl = {
  help: `Change a user's role (${ROLES.join(', ')}). Audited. The last active admin cannot be demoted:
make another user an admin first.

Example:
  drawbridge users set-role dana@example.org deployer
`,
  async run({ args, out }) {
    const cmd = 'users set-role';
    const email = emailArgument(args, cmd);
    const role = roleArgument(args[1], cmd);
    return withDb(async (db) => {
      const user = await findUserByEmail(db, SYSTEM_ACTOR, email);
      const r = await setUserRole(db, SYSTEM_ACTOR, user.id, role);
      out(
        r.changed ? `${user.email}: ${user.role} → ${role}\n` : `${user.email} is already ${role}; nothing changed\n`,
      );
      return 0;
    });
  },
};

export const usersDisable: CommandImpl = {
  help: `Disable an account: the user can no longer sign in, their sessions end at once and their API
tokens are revoked (enabling the account again does not bring them back). Audited. The last active
admin cannot be disabled.

Example:
  drawbridge users disable former.colleague@example.org
`,
  async run({ args, out }) {
    const cmd = 'users disable';
    const email = emailArgument(args, cmd);
    return withDb(async (db) => {
      const user = await findUserByEmail(db, SYSTEM_ACTOR, email);
      const r = await setUserDisabled(db, SYSTEM_ACTOR, user.id, true);
      out(
        r.changed
          ? `disabled ${user.email}; ended ${r.sessionsEnded} session${r.sessionsEnded === 1 ? '' : 's'}, revoked ${r.tokensRevoked} API token${r.tokensRevoked === 1 ? '' : 's'}\n`
          : `${user.email} is already disabled; nothing changed\n`,
      );
      return 0;
    });
  },
};

export const usersEnable: CommandImpl = {
  help: `Enable a disabled account: the user can sign in again with their password. Revoked API tokens
stay revoked. Audited.

Example:
  drawbridge users enable dana@example.org
`,
  async run({ args, out }) {
    const cmd = 'users enable';
    const email = emailArgument(args, cmd);
    return withDb(async (db) => {
      const user = await findUserByEmail(db, SYSTEM_ACTOR, email);
      const r = await setUserDisabled(db, SYSTEM_ACTOR, user.id, false);
      out(r.changed ? `enabled ${user.email}\n` : `${user.email} is already active; nothing changed\n`);
      return 0;
    });
  },
};

export const usersResetPassword: CommandImpl = {
  help: `Give a user a new, generated password, printed once, alone on stdout, and end their sessions.
Their API tokens keep working. Audited (never the password).

Example:
  drawbridge users reset-password dana@example.org
`,
  async run({ args, out }) {
    const cmd = 'users reset-password';
    const email = emailArgument(args, cmd);
    return withDb(async (db) => {
      const user = await findUserByEmail(db, SYSTEM_ACTOR, email);
      const r = await resetPassword(db, SYSTEM_ACTOR, user.id);
      out(`${r.password}\n`);
      note(
        `new password for ${user.email}, shown once; ended ${r.sessionsEnded} session${r.sessionsEnded === 1 ? '' : 's'}\n`,
      );
      return 0;
    });
  },
};

export const USER_COMMANDS = [usersCreate, usersList, usersSetRole, usersDisable, usersEnable, usersResetPassword];
