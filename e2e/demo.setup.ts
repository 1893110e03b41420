import fs from 'node:fs';
import path from 'node:path';
import { buildScene } from './console-sweep';
import { demoStateFile, startDemoServer, stopDemoServer } from './demo-server';
import { test } from './fixtures';

// The demo-setup project: one fresh `npm start` seed and server for e2e/lived-in-demo.spec.ts,
// whose tests run in parallel on every worker and only read; its scene (a share link and a webhook
// the seed lacks) is made here too, once. The demo-teardown project stops it when they are done.
test('start a seeded demo server as npm start does, and make the sweep’s scene on it', async ({ browser }) => {
  // A fresh seed (jobs and the scene) on a busy 2-core box running two spec files at once.
  test.setTimeout(240_000);
  const t0 = Date.now();
  const server = await startDemoServer();
  const file = demoStateFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written before the scene, so the teardown stops the server even if making the scene fails.
  fs.writeFileSync(file, JSON.stringify({ server }));
  console.log(`demo server seeded and up in ${Date.now() - t0} ms`);
  try {
    const scene = await buildScene(browser, server);
    fs.writeFileSync(file, JSON.stringify({ server, scene }));
  } catch (e) {
    await stopDemoServer(server);
    fs.rmSync(file, { force: true });
    throw e;
  }
  console.log(`scene built at ${Date.now() - t0} ms`);
});
