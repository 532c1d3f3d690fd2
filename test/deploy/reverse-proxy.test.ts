import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { buildParley, WEB_ROOT, type Parley } from '../../src/main.ts';
import { MAX_E2EE_CHUNK_BYTES } from '../../src/recording/e2ee-uploads.ts';
import { freePort } from '../support/ports.ts';

// docs/deploy.md tells operators to put Parley behind nginx with a configuration they copy. This test runs that very
// configuration (the fenced block after the `tested` marker, with only names, certificate paths, the upstream and the
// listen ports substituted) in Debian's nginx, with a self-signed certificate, in front of a real Parley on loopback,
// and checks what an operator relies on: TLS, the console, the security headers, the signalling WebSocket, the
// client's address and protocol reaching Parley, the per-address limits, large uploads, and /metrics kept private.

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GUIDE = path.join(REPO, 'docs/deploy.md');
const MARKER = '<!-- tested: test/deploy/reverse-proxy.test.ts -->';
/** Debian's nginx (scripts/test.mjs and .ci/run install it when missing). */
const NGINX = '/usr/sbin/nginx';
const METRICS_TOKEN = 'reverse-proxy-test-metrics-token-0123';
/** Sign-in attempts per client address and minute: small, so the test reaches the limit quickly. */
const LOGIN_RATE = 3;
/**
 * Loopback has all of 127.0.0.0/8: the test's clients connect to nginx from these addresses, while nginx connects to
 * Parley from 127.0.0.1. What Parley takes as the client's address therefore tells which one it read.
 */
const CLIENT_A = '127.0.0.2';
const CLIENT_B = '127.0.0.3';
/**
 * Runs nginx as a child of a shell that kills it when its stdin (a pipe from this process) closes: at the end of the
 * test, or when the test process dies before afterAll, so no nginx is left listening. nginx itself reads nothing.
 */
const DIE_WITH_PARENT = 'exec 3<&0; "$@" </dev/null & pid=$!; (read _ <&3; kill -TERM $pid 2>/dev/null) & wait $pid';

/** The nginx block docs/deploy.md marks as tested, exactly as written there. */
function testedNginxBlock(guide: string): string {
  const lines = guide.split('\n');
  const marks = lines.flatMap((line, i) => (line.trim() === MARKER ? [i] : []));
  if (marks.length !== 1) throw new Error(`docs/deploy.md must hold the line ${MARKER} once (found ${marks.length})`);
  const at = marks[0]!;
  if (lines[at + 1]?.trim() !== '```nginx') throw new Error(`the line after ${MARKER} must open a \`\`\`nginx block`);
  const end = lines.findIndex((line, i) => i > at + 1 && line.trim() === '```');
  if (end < 0) throw new Error('the tested nginx block is not closed');
  return lines.slice(at + 2, end).join('\n');
}

/**
 * The operator's placeholders replaced by this test's values. Each must occur as often as the guide's block has it:
 * a changed block fails here, naming what moved, instead of testing something else.
 */
function substitute(block: string, values: { tlsPort: number; plainPort: number; parleyPort: number; cert: string; key: string }): string {
  const substitutions: [from: string, to: string, times: number][] = [
    ['listen 443 ssl;', `listen 127.0.0.1:${values.tlsPort} ssl;`, 1],
    ['listen 80;', `listen 127.0.0.1:${values.plainPort};`, 1],
    ['server 127.0.0.1:8080;', `server 127.0.0.1:${values.parleyPort};`, 1],
    ['server_name calls.example.eu;', 'server_name 127.0.0.1;', 2],
    ['/etc/ssl/parley/fullchain.pem', values.cert, 1],
    ['/etc/ssl/parley/privkey.pem', values.key, 1],
  ];
  let out = block;
  for (const [from, to, times] of substitutions) {
    const found = out.split(from).length - 1;
    if (found !== times) throw new Error(`docs/deploy.md's tested nginx block has "${from}" ${found} times, the test expects ${times}`);
    out = out.split(from).join(to);
  }
  for (const leftover of ['example.eu', '/etc/', ':8080', ' 443', ' 80;']) {
    if (out.includes(leftover)) throw new Error(`"${leftover}" is left in the nginx block after substitution:\n${out}`);
  }
  return out;
}

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

describe('Parley behind nginx with the configuration of docs/deploy.md', () => {
  let dir = '';
  let dataDir = '';
  let ca: Buffer;
  let tlsPort = 0;
  let plainPort = 0;
  let parleyPort = 0;
  let origin = '';
  let parley: Parley | null = null;
  let nginx: ChildProcess | null = null;
  let nginxExited: Promise<void> = Promise.resolve();
  let nginxOutput = '';
  const logs: string[] = [];
  /** What Parley's HTTP layer made of each request that carried an `x-probe` header. */
  const seen = new Map<string, { ip: string; peer: string | undefined; protocol: string }>();

  /** One request on a new connection (from `from`), trusting only the test's certificate for https. */
  function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; from?: string } = {}): Promise<Reply> {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = send(
        target,
        { method: options.method ?? 'GET', headers: options.headers ?? {}, ca, agent: false, ...(options.from ? { localAddress: options.from } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  /** Opens the signalling socket through nginx, sends `message` and returns the first answer and the close code. */
  async function signalOnce(message: unknown, options: { origin?: string } = {}): Promise<{ answer: Record<string, unknown>; closeCode: number }> {
    const ws = new WebSocket(`wss://127.0.0.1:${tlsPort}/api/calls/signal`, { ca, localAddress: CLIENT_A, ...(options.origin ? { origin: options.origin } : {}) });
    try {
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      const answer = new Promise<Record<string, unknown>>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)));
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.send(JSON.stringify(message));
      const timeout = <T>(what: string) => new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within 10 s`)), 10_000).unref());
      return { answer: await Promise.race([answer, timeout<Record<string, unknown>>('answer')]), closeCode: await Promise.race([closed, timeout<number>('close')]) };
    } finally {
      ws.terminate();
    }
  }

  beforeAll(async () => {
    if (!existsSync(NGINX)) throw new Error(`nginx is not installed (${NGINX}): run \`sudo apt-get install -y nginx\` (npm test does it as root).`);
    if (!existsSync(path.join(WEB_ROOT, 'index.html'))) {
      throw new Error(`The console is not built (${WEB_ROOT}/index.html is missing): run \`npx vite build\` first.`);
    }
    dir = mkdtempSync(path.join(tmpdir(), 'parley-proxy-'));
    dataDir = path.join(dir, 'data');

    // A self-signed certificate for 127.0.0.1; the test's clients trust exactly this one.
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'pipe' });
    ca = readFileSync(cert);

    // The public address is nginx's, so it is chosen first; Parley then listens on a port of its own.
    tlsPort = await freePort();
    plainPort = await freePort();
    origin = `https://127.0.0.1:${tlsPort}`;
    const config = loadConfig({
      PARLEY_DATA_DIR: dataDir,
      PARLEY_DATABASE_URL: `sqlite:${path.join(dataDir, 'parley.db')}`,
      PARLEY_PUBLIC_URL: origin,
      // The proxy's own address, as docs/deploy.md says to configure it.
      PARLEY_TRUST_PROXY: '127.0.0.1',
      PARLEY_LOGIN_RATE_PER_MINUTE: String(LOGIN_RATE),
      PARLEY_METRICS_TOKEN: METRICS_TOKEN,
      // The media path is not the proxy's: no worker processes needed.
      PARLEY_MEDIA_WORKERS: '0',
      PARLEY_LOG_LEVEL: 'info',
    });
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
    parley = await buildParley(config, { logger, webRoot: WEB_ROOT });
    // An observer only: records how Parley's HTTP layer read the client's address and protocol.
    parley.app.addHook('onRequest', async (req) => {
      const probe = req.headers['x-probe'];
      if (typeof probe === 'string') seen.set(probe, { ip: req.ip, peer: req.socket.remoteAddress, protocol: req.protocol });
    });
    await parley.app.listen({ port: 0, host: '127.0.0.1' });
    parleyPort = (parley.app.server.address() as AddressInfo).port;

    // nginx with the guide's block, wrapped in the little an nginx.conf needs around it; every path in the test's dir.
    const block = substitute(testedNginxBlock(readFileSync(GUIDE, 'utf8')), { tlsPort, plainPort, parleyPort, cert, key });
    mkdirSync(path.join(dir, 'temp'));
    writeFileSync(path.join(dir, 'parley.conf'), block);
    const temp = (name: string) => `${name}_temp_path ${path.join(dir, 'temp', name)};`;
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      [
        'daemon off;',
        // One process as the test's own user: no workers switching to another user who could not read the test's dir.
        'master_process off;',
        `pid ${path.join(dir, 'nginx.pid')};`,
        'error_log stderr warn;',
        'events { worker_connections 128; }',
        'http {',
        `  access_log ${path.join(dir, 'access.log')};`,
        `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
        `  include ${path.join(dir, 'parley.conf')};`,
        '}',
        '',
      ].join('\n'),
    );
    const proc = spawn('/bin/sh', ['-c', DIE_WITH_PARENT, 'sh', NGINX, '-p', dir, '-e', 'stderr', '-c', path.join(dir, 'nginx.conf')], { stdio: ['pipe', 'pipe', 'pipe'] });
    nginx = proc;
    for (const stream of [proc.stdout!, proc.stderr!]) stream.on('data', (d: Buffer) => void (nginxOutput += d.toString()));
    nginxExited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}:\n${nginxOutput}`);
      const ready = await request(`${origin}/readyz`).catch(() => null);
      if (ready?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`nginx did not answer /readyz within 10 s:\n${nginxOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      nginx.stdin!.end();
      const stopped = await Promise.race([nginxExited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]);
      if (!stopped) {
        const pid = Number(readFileSync(path.join(dir, 'nginx.pid'), 'utf8').trim());
        if (pid > 0) process.kill(pid, 'SIGKILL');
        nginx.kill('SIGKILL');
      }
    }
    await parley?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers /readyz and /healthz over TLS with the configured certificate', async () => {
    const ready = await request(`${origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready' });
    const live = await request(`${origin}/healthz`);
    expect(live.status).toBe(200);
    expect(JSON.parse(live.body)).toEqual({ status: 'ok' });
    // Parley answered (its request id), through nginx (which names itself without a version).
    expect(ready.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(ready.headers.server).toBe('nginx');
  });

  it('serves the console page and its hashed assets with Parley\'s security headers intact', async () => {
    const page = await request(`${origin}/login`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<div id="app"></div>');
    expect(page.headers['cache-control']).toBe('no-store');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    // HSTS because the public address is https; once, not doubled by the proxy.
    expect(page.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['permissions-policy']).toContain('camera=(self)');

    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(asset).toBeDefined();
    const js = await request(`${origin}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    // Whatever caching Parley says for an asset, nginx passes on unchanged (and the same bytes).
    const direct = await request(`http://127.0.0.1:${parleyPort}${asset}`);
    for (const header of ['cache-control', 'etag', 'last-modified', 'content-security-policy'] as const) {
      expect(js.headers[header], header).toEqual(direct.headers[header]);
    }
    expect(js.body).toBe(direct.body);
    expect(js.body.length).toBeGreaterThan(1000);
  });

  it('sends plain HTTP to https', async () => {
    const plain = await request(`http://127.0.0.1:${plainPort}/login?next=%2Fcalls`);
    expect(plain.status).toBe(301);
    // `$host` carries no port: in production both are the standard ones.
    expect(plain.headers.location).toBe('https://127.0.0.1/login?next=%2Fcalls');
  });

  it('upgrades the signalling WebSocket: a join reaches Parley and its refusal comes back on the socket', async () => {
    // A customer's join with a link that is not valid for the call: Parley's fixed refusal, then a policy close.
    const link = await signalOnce({ type: 'join', callId: `call_${'a'.repeat(25)}`, auth: { kind: 'link', token: 'not-a-join-link' } });
    expect(link.answer).toMatchObject({ type: 'error', code: 'JOIN_REFUSED' });
    expect(String(link.answer.message)).toContain('This link is not valid for this call');
    expect(link.closeCode).toBe(1008);
    // An agent's join from the public address: nginx passes the Origin header unchanged, so Parley does not complain
    // about the address but asks for a sign-in (no session cookie here).
    const agent = await signalOnce({ type: 'join', callId: `call_${'b'.repeat(25)}`, auth: { kind: 'session' } }, { origin });
    expect(agent.answer).toMatchObject({ type: 'error', code: 'JOIN_REFUSED', message: 'Sign in to the console to join this call.' });
    expect(agent.closeCode).toBe(1008);
  });

  it('Parley reads the client\'s address and https from nginx, and sets Secure cookies', async () => {
    const csrf = await request(`${origin}/api/auth/csrf`, { from: CLIENT_A, headers: { 'x-probe': 'a' } });
    expect(csrf.status).toBe(200);
    // The connection comes from nginx on 127.0.0.1; the client is the address nginx saw, the protocol https.
    expect(seen.get('a')).toEqual({ ip: CLIENT_A, peer: '127.0.0.1', protocol: 'https' });
    const cookie = (csrf.headers['set-cookie'] ?? []).find((c) => c.startsWith('_csrf='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);

    // An X-Forwarded-For the client makes up is replaced by nginx, not passed on.
    await request(`${origin}/api/auth/csrf`, { from: CLIENT_B, headers: { 'x-probe': 'b', 'x-forwarded-for': '198.51.100.23', 'x-forwarded-proto': 'http' } });
    expect(seen.get('b')).toEqual({ ip: CLIENT_B, peer: '127.0.0.1', protocol: 'https' });
  });

  it('counts sign-in attempts per client address; a forged X-Forwarded-For does not start a new count', async () => {
    const csrf = await request(`${origin}/api/auth/csrf`);
    const token = (JSON.parse(csrf.body) as { token: string }).token;
    const cookie = (csrf.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    const attempt = async (from: string, extra: Record<string, string> = {}) => {
      const res = await request(`${origin}/api/setup/inspect`, {
        method: 'POST',
        from,
        headers: { 'content-type': 'application/json', 'x-csrf-token': token, cookie, ...extra },
        body: JSON.stringify({ token: 'not-a-set-up-link-token' }),
      });
      return res.status;
    };
    const first: number[] = [];
    for (let i = 0; i < LOGIN_RATE; i++) first.push(await attempt(CLIENT_A));
    expect(first.every((s) => s !== 429 && s >= 400 && s < 500), `statuses ${first.join(', ')}`).toBe(true);
    expect(await attempt(CLIENT_A)).toBe(429);
    // The same client pretending to be someone else is still itself.
    expect(await attempt(CLIENT_A, { 'x-forwarded-for': '198.51.100.77' })).toBe(429);
    // Another client has its own count: Parley does not count the proxy's address for everyone.
    expect(await attempt(CLIENT_B)).not.toBe(429);
  });

  it(`lets an end-to-end encrypted recording chunk of ${MAX_E2EE_CHUNK_BYTES / 1024 / 1024} MiB through to Parley`, async () => {
    const res = await request(`${origin}/api/e2ee-tracks/trk_${'a'.repeat(25)}/chunks/0`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(MAX_E2EE_CHUNK_BYTES, 7),
    });
    // Parley's own answer (no session here), not nginx's 413 for a body over its limit.
    expect(res.status, res.body.slice(0, 300)).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('refuses /metrics on the public address; the node itself serves it to the scraper', async () => {
    const auth = { authorization: `Bearer ${METRICS_TOKEN}` };
    for (const p of ['/metrics', '/metrics/', '//metrics', '/metrics?format=text']) {
      const res = await request(`${origin}${p}`, { headers: auth });
      expect(res.status, p).toBe(403);
      expect(res.body, p).not.toContain('parley_');
    }
    const direct = await request(`http://127.0.0.1:${parleyPort}/metrics`, { headers: auth });
    expect(direct.status).toBe(200);
    expect(direct.body).toContain('parley_calls');
  });
});
