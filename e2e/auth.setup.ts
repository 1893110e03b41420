import fs from 'node:fs';
import path from 'node:path';
import { test } from './fixtures';
import { authFile, signIn, USERS, type RoleName } from './helpers';

// The setup project: each demo role signs in through the form once per run, and the specs that only
// need to be signed in start from its saved state (helpers.ts: authFile, pageAs). The specs about
// signing in itself, and those against a server of their own, still use the form.
for (const role of Object.keys(USERS) as RoleName[]) {
  test(`sign in as ${role} and save the browser state`, async ({ page }) => {
    fs.mkdirSync(path.dirname(authFile(role)), { recursive: true });
    await signIn(page, role);
    await page.context().storageState({ path: authFile(role) });
  });
}
