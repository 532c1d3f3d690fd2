#!/usr/bin/env node
// `npm test`: makes sure what the suite needs is here, builds the console, then runs every test once.
// Chromium (for the browser tests) comes from Debian's package: installed here when missing and running as
// root, otherwise the exact command to run is printed and the suite stops rather than skipping silently.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

if (!existsSync(CHROMIUM)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(
      `Parley's browser tests need Debian's Chromium at ${CHROMIUM}.\n` +
        'Install it with:  sudo apt-get update && sudo apt-get install -y chromium\n' +
        'then run npm test again.',
    );
    process.exit(1);
  }
  console.log('Installing Debian chromium for the browser tests…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-qq'], { env }) !== 0 || run('apt-get', ['install', '-y', '-qq', 'chromium'], { env }) !== 0) {
    console.error('Installing chromium failed; see the apt output above.');
    process.exit(1);
  }
}

if (run('npx', ['vite', 'build', '--logLevel', 'warn']) !== 0) {
  console.error('Building the web console failed.');
  process.exit(1);
}
if (run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0) {
  console.error('Type check failed.');
  process.exit(1);
}
process.exit(run('npx', ['vitest', 'run', ...process.argv.slice(2)]));
