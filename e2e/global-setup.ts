import fs from 'node:fs';

// Like dub's playwright setup: refuse to run against anything but the throwaway embedded database.
export default function globalSetup() {
  const url = process.env.DATABASE_URL;
  if (url && !/^postgres(ql)?:\/\/[^@]*@?(localhost|127\.0\.0\.1)[:/]/.test(url)) {
    throw new Error('e2e refuses a non-local DATABASE_URL');
  }
  const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(chromium)) {
    throw new Error(
      `Chromium not found at ${chromium}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
}
