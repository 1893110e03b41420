import fs from 'node:fs';
import { demoStateFile, stopDemoServer, type DemoServer } from './demo-server';
import { test } from './fixtures';

// The demo-teardown project: runs once the demo project is done (or failed), as the demo-setup
// project's teardown; nothing to do when the setup never got a server up.
test('stop the demo server and remove its data directory', async () => {
  const file = demoStateFile();
  if (!fs.existsSync(file)) return;
  const { server } = JSON.parse(fs.readFileSync(file, 'utf8')) as { server: DemoServer };
  await stopDemoServer(server);
  fs.rmSync(file, { force: true });
});
