import { createApiToken } from '../../lib/auth/sessions';
import type { Actor } from '../../lib/auth/permissions';
import { isEmptyDatabase } from '../../lib/registry/seed-demo';
import { getStore } from '../../lib/storage';
import { required, UsageError } from '../args';
import { withDb } from '../local';
import type { CommandImpl } from './types';

export const migrateCommand: CommandImpl = {
  help: `Apply pending database migrations to the configured database (DRAWBRIDGE_DATA_DIR or
DATABASE_URL). Every command, the app and the seed also do this when they open the database.

Example:
  DATABASE_URL=postgresql://drawbridge:secret@db.internal:5432/drawbridge drawbridge migrate
`,
  async run({ out }) {
    return withDb(async (_db, where) => {
      out(`migrations applied; database at ${where} is up to date\n`);
      return 0;
    });
  },
};

export const seedCommand: CommandImpl = {
  help: `Seed the demo team (viewer, reviewer, deployer, admin @drawbridge.test), one completed
training job per age group, with its real checkpoint and validation set from prisma/demo, and the
lived-in demo made through the registry as those users (exports in four formats, production models
for most age groups and a staging one, a rollback, a request awaiting the reviewer, an approved one
awaiting the deployer, comments), into an empty database: what npm start seeds. Idempotent.

Options:
  --force        Top up a database that already has data (existing users, jobs and scene are kept).
  --jobs-only    Seed the team and the training jobs only, without the lived-in demo.

Example:
  DRAWBRIDGE_DATA_DIR=/tmp/drawbridge drawbridge seed
`,
  async run({ v, out }) {
    return withDb(async (db, where) => {
      if (!v.force && !(await isEmptyDatabase(db))) {
        out(`database at ${where} already has data; not seeding (use --force)\n`);
        return 0;
      }
      // Loaded here: the scene pulls in the whole registry, which migrate and tokens never need.
      const { seedDemoData } = await import('../../lib/registry/seed-demo-scene');
      out(`${await seedDemoData(db, getStore(), { jobsOnly: !!v['jobs-only'] })} into ${where}\n`);
      return 0;
    });
  },
};

export const tokensCreate: CommandImpl = {
  help: `Create an API token for a user, for pipelines and --server mode. The token is printed once, on
stdout; only its hash is stored. It acts with the user's role.

Options:
  --email E      The user (required).
  --name N       A label for the token, e.g. the pipeline's name (required).
  --days D       Expire after D days (default: never).

Example:
  export DRAWBRIDGE_TOKEN=$(drawbridge tokens create --email deployer@drawbridge.test --name nightly --days 30)
`,
  async run({ v, out }) {
    const cmd = 'tokens create';
    const email = required(v, 'email', cmd);
    const name = required(v, 'name', cmd);
    const days = v.days !== undefined ? Number(v.days) : undefined;
    if (days !== undefined && !(Number.isInteger(days) && days > 0))
      throw new UsageError('--days must be a positive whole number', cmd);
    return withDb(async (db) => {
      const user = await db.user.findUnique({ where: { email: email.toLowerCase() } });
      if (!user) throw new UsageError(`no user with email ${email}`, cmd);
      const actor: Actor = { id: user.id, email: user.email, name: user.name, role: user.role, via: 'system' };
      const { token } = await createApiToken(db, actor, name, days ? new Date(Date.now() + days * 86400_000) : null);
      out(`${token}\n`);
      process.stderr.write(`token "${name}" for ${user.email} (${user.role}); shown once, store it safely\n`);
      return 0;
    });
  },
};
