// One server process's worth of sign-in attempts, for throttle.processes.test.ts: opens the
// PostgreSQL database in DATABASE_URL as the server does, says "ready", waits for "go" on stdin
// (so two processes start together), tries, prints the outcomes as one JSON line.
//   wrong <email> <n>    n wrong passwords, each as soon as the account may be checked again
//                        (waiting out back-offs by moving the row's clock, but not a lockout)
//   burst <email> <n>    n wrong passwords at once
//   right <email> <pw>   one correct password
import readline from 'node:readline';
import { openDatabase } from '../../db';
import { attemptSignIn } from '../sessions';
import { blockedFor, throttleKey } from '../throttle';

const [mode, email, arg] = process.argv.slice(2);
const { db, close } = await openDatabase(
  { kind: 'postgres', url: process.env.DATABASE_URL! },
  { migrationsDir: process.env.DRAWBRIDGE_MIGRATIONS_DIR },
);
const outcome = (r: Awaited<ReturnType<typeof attemptSignIn>>) =>
  r.ok ? 'ok' : r.reason === 'throttled' ? `throttled:${r.retryAfterSeconds}` : r.reason;
console.log('ready');
await new Promise<void>((resolve) => readline.createInterface({ input: process.stdin }).once('line', () => resolve()));
const out: string[] = [];
const client = `198.51.100.${process.pid % 250}`;
if (mode === 'wrong') {
  const key = throttleKey('account', email);
  for (let i = 0; i < Number(arg); i++) {
    const wait = await blockedFor(db, key);
    if (wait > 0 && wait <= 60) {
      await db.$executeRawUnsafe(
        `UPDATE "AuthThrottle" SET "blockedUntil" = "blockedUntil" - make_interval(secs => $2::int), "lastAttemptAt" = "lastAttemptAt" - make_interval(secs => $2::int) WHERE "key" = $1`,
        key,
        wait,
      );
    }
    out.push(outcome(await attemptSignIn(db, email, `wrong-${process.pid}-${i}`, client)));
  }
} else if (mode === 'burst') {
  const all = await Promise.all(
    Array.from({ length: Number(arg) }, (_, i) => attemptSignIn(db, email, `burst-${process.pid}-${i}`, client)),
  );
  out.push(...all.map(outcome));
} else {
  out.push(outcome(await attemptSignIn(db, email, arg, client)));
}
console.log(JSON.stringify({ pid: process.pid, out }));
await close();
