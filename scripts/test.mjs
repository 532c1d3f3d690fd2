#!/usr/bin/env node
// `npm test`: makes sure what the suite needs is here, builds the console, then runs every test once.
// Chromium and coturn (for the browser tests) come from Debian's packages: installed here when missing and running as
// root, otherwise the exact command to run is printed and the suite stops rather than skipping silently.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
const TURNSERVER = '/usr/bin/turnserver';
const FFMPEG = '/usr/bin/ffmpeg';
const PDFTOTEXT = '/usr/bin/pdftotext';
const NGINX = '/usr/sbin/nginx';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

// Debian packages the tests need: Chromium, coturn's turnserver for the test through a TURN relay, and ffmpeg
// (ffmpeg/ffprobe decode the recordings, and generate real VP8/Opus for the recording tests), and poppler-utils'
// pdftotext (the generated PDF documents are opened and their text read back), and nginx (the reverse proxy of
// docs/deploy.md, run in front of Parley by test/deploy/reverse-proxy.test.ts).
const missing = [
  ...(existsSync(CHROMIUM) ? [] : ['chromium']),
  ...(existsSync(TURNSERVER) ? [] : ['coturn']),
  ...(existsSync(FFMPEG) ? [] : ['ffmpeg']),
  ...(existsSync(PDFTOTEXT) ? [] : ['poppler-utils']),
  ...(existsSync(NGINX) ? [] : ['nginx']),
];
if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(
      `Parley's tests need Debian's ${missing.join(' and ')} (${CHROMIUM}, ${TURNSERVER}, ${FFMPEG}, ${PDFTOTEXT}, ${NGINX}).\n` +
        `Install with:  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}\n` +
        'then run npm test again.',
    );
    process.exit(1);
  }
  console.log(`Installing Debian ${missing.join(' and ')} for the browser tests…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-qq'], { env }) !== 0 || run('apt-get', ['install', '-y', '-qq', ...missing], { env }) !== 0) {
    console.error(`Installing ${missing.join(' and ')} failed; see the apt output above.`);
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
