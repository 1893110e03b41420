// For e2e/data-dir-lock.spec.ts: a local command that holds the embedded database of
// DRAWBRIDGE_DATA_DIR open (as `drawbridge` in local mode does while it works) until its stdin
// closes, then closes it and exits. Prints "held <job count>" once it holds it.
import { openDatabase } from '../lib/db';
import { setLockIdentity } from '../lib/db/data-dir-lock';

setLockIdentity({ kind: 'cli', command: 'drawbridge jobs list (held open by the e2e test)' });
const { db, close } = await openDatabase();
console.log(`held ${await db.trainingJob.count()}`);
process.stdin.resume();
await new Promise((resolve) => process.stdin.once('end', resolve));
await close();
