import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.ts';
import { settings } from './schema.ts';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('starts with embedded defaults: SQLite and blobs under ./data, port 8080', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.database).toEqual({ dialect: 'sqlite', file: path.resolve('data/parley.db') });
    expect(c.blobDir).toBe(path.resolve('data/blobs'));
    expect(c.masterKeyFile).toBe(path.resolve('data/master.key'));
    expect(c.publicUrl).toBe('http://localhost:8080');
    expect(c.secureCookies).toBe(false);
  });

  it('is frozen, so nothing can change it after boot', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.auth)).toBe(true);
    expect(() => {
      (c as { port: number }).port = 1;
    }).toThrow();
  });

  it('names the variable and what it expects when a value is wrong', () => {
    expect(problemsOf({ PARLEY_PORT: 'eighty' })).toMatch(/PARLEY_PORT: expected a port number.*"eighty"/);
    expect(problemsOf({ PARLEY_PORT: '70000' })).toMatch(/PARLEY_PORT: expected a port between 1 and 65535/);
    expect(problemsOf({ PARLEY_DATABASE_URL: 'mysql://x' })).toMatch(/PARLEY_DATABASE_URL: expected postgres:\/\/… or sqlite:PATH/);
    expect(problemsOf({ PARLEY_LOG_LEVEL: 'loud' })).toMatch(/PARLEY_LOG_LEVEL/);
    expect(problemsOf({ PARLEY_TRUST_PROXY: 'maybe' })).toMatch(/PARLEY_TRUST_PROXY: expected true, false, or the reverse proxies' addresses/);
    expect(problemsOf({ PARLEY_PUBLIC_URL: 'ftp://x' })).toMatch(/PARLEY_PUBLIC_URL/);
    expect(problemsOf({ PARLEY_SESSION_TTL_HOURS: '-1' })).toMatch(/PARLEY_SESSION_TTL_HOURS: expected a whole number of hours/);
  });

  it('lists every problem at once, and never echoes a password', () => {
    const msg = problemsOf({ PARLEY_PORT: 'x', PARLEY_ADMIN_EMAIL: 'a@b.example', PARLEY_ADMIN_PASSWORD: 'short' });
    expect(msg).toMatch(/PARLEY_PORT/);
    expect(msg).toMatch(/PARLEY_ADMIN_PASSWORD: expected at least 12 characters/);
    expect(msg).not.toContain('short"');
  });

  it('needs the first admin\'s email and password together', () => {
    expect(problemsOf({ PARLEY_ADMIN_EMAIL: 'a@b.example' })).toMatch(/set both or neither/);
  });

  it('reads an optional JSON config file, with environment variables winning', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-cfg-'));
    const file = path.join(dir, 'parley.json');
    writeFileSync(file, JSON.stringify({ PARLEY_PORT: 9000, PARLEY_LOG_LEVEL: 'warn' }));
    const c = loadConfig({ PARLEY_CONFIG_FILE: file, PARLEY_LOG_LEVEL: 'debug' });
    expect(c.port).toBe(9000);
    expect(c.logLevel).toBe('debug');
    writeFileSync(file, JSON.stringify({ PARLEY_PROT: 9000 }));
    expect(problemsOf({ PARLEY_CONFIG_FILE: file })).toMatch(/unknown setting PARLEY_PROT/);
    writeFileSync(file, '{ not json');
    expect(problemsOf({ PARLEY_CONFIG_FILE: file })).toMatch(/is not valid JSON/);
    expect(problemsOf({ PARLEY_CONFIG_FILE: path.join(dir, 'missing.json') })).toMatch(/cannot read .*ENOENT/);
  });

  it('takes PostgreSQL from a postgres URL and marks cookies Secure behind https', () => {
    const c = loadConfig({ PARLEY_DATABASE_URL: 'postgres://u@db:5432/parley', PARLEY_PUBLIC_URL: 'https://calls.example.eu/' });
    expect(c.database).toEqual({ dialect: 'postgres', url: 'postgres://u@db:5432/parley' });
    expect(c.publicUrl).toBe('https://calls.example.eu');
    expect(c.secureCookies).toBe(true);
  });

  it('reads the media server\'s announced address and UDP port range, both ports or neither', () => {
    expect(loadConfig({}).rtc).toEqual({ announcedIp: undefined, portRange: undefined });
    const c = loadConfig({ PARLEY_RTC_ANNOUNCED_IP: '203.0.113.7', PARLEY_RTC_PORT_MIN: '40000', PARLEY_RTC_PORT_MAX: '40100' });
    expect(c.rtc).toEqual({ announcedIp: '203.0.113.7', portRange: [40000, 40100] });
    expect(problemsOf({ PARLEY_RTC_ANNOUNCED_IP: 'calls.example.eu' })).toMatch(/PARLEY_RTC_ANNOUNCED_IP: expected an IPv4 or IPv6 address/);
    expect(problemsOf({ PARLEY_RTC_PORT_MIN: '40000' })).toMatch(/set both or neither/);
    expect(problemsOf({ PARLEY_RTC_PORT_MIN: '40100', PARLEY_RTC_PORT_MAX: '40000' })).toMatch(/PARLEY_RTC_PORT_MAX: expected a port above/);
  });

  it('reads the metrics token (off without it; too short refused without echoing it)', () => {
    expect(loadConfig({}).metrics.token).toBeUndefined();
    expect(loadConfig({ PARLEY_METRICS_TOKEN: 'f'.repeat(48) }).metrics.token).toBe('f'.repeat(48));
    const short = problemsOf({ PARLEY_METRICS_TOKEN: 'short-token-123' });
    expect(short).toMatch(/PARLEY_METRICS_TOKEN: expected at least 24 characters/);
    expect(short).not.toContain('short-token-123');
  });

  it('reads TURN servers and their shared secret (required with the URLs, never echoed)', () => {
    expect(loadConfig({}).rtc.turn).toBeUndefined();
    const c = loadConfig({ PARLEY_TURN_URLS: 'turn:turn.example.eu:3478?transport=udp, turns:turn.example.eu:5349', PARLEY_TURN_SECRET: 'a-long-shared-secret-0123' });
    expect(c.rtc.turn).toEqual({ urls: ['turn:turn.example.eu:3478?transport=udp', 'turns:turn.example.eu:5349'], secret: 'a-long-shared-secret-0123', ttlSeconds: 3600 });
    expect(loadConfig({ PARLEY_TURN_URLS: 'turn:t.example.eu', PARLEY_TURN_SECRET: 'a-long-shared-secret-0123', PARLEY_TURN_TTL_SECONDS: '600' }).rtc.turn?.ttlSeconds).toBe(600);
    expect(problemsOf({ PARLEY_TURN_URLS: 'turn:t.example.eu' })).toMatch(/PARLEY_TURN_SECRET: required with PARLEY_TURN_URLS/);
    expect(problemsOf({ PARLEY_TURN_URLS: 'stun:t.example.eu', PARLEY_TURN_SECRET: 'a-long-shared-secret-0123' })).toMatch(/PARLEY_TURN_URLS: expected/);
    const short = problemsOf({ PARLEY_TURN_URLS: 'turn:t.example.eu', PARLEY_TURN_SECRET: 'tooshort' });
    expect(short).toMatch(/PARLEY_TURN_SECRET: expected at least 16 characters/);
    expect(short).not.toContain('tooshort');
  });

  it('turns cluster mode on with a Redis URL, and refuses it with SQLite or the local blob store, saying why', () => {
    expect(loadConfig({}).cluster).toBeUndefined();
    const s3 = { PARLEY_BLOB_STORE: 's3', PARLEY_S3_BUCKET: 'recordings', PARLEY_S3_ACCESS_KEY_ID: 'id', PARLEY_S3_SECRET_ACCESS_KEY: 'secret' };
    const ok = loadConfig({ ...s3, PARLEY_DATABASE_URL: 'postgres://parley@db.internal:5432/parley', PARLEY_REDIS_URL: 'redis://:pw@redis.internal:6379' });
    expect(ok.cluster).toEqual({ redisUrl: 'redis://:pw@redis.internal:6379', drainTimeoutSeconds: 600 });
    const embedded = problemsOf({ PARLEY_REDIS_URL: 'redis://redis.internal:6379' });
    expect(embedded).toMatch(/PARLEY_DATABASE_URL: a cluster \(PARLEY_REDIS_URL\) needs PostgreSQL/);
    expect(embedded).toMatch(/PARLEY_BLOB_STORE: a cluster \(PARLEY_REDIS_URL\) needs the S3 store/);
    expect(problemsOf({ ...s3, PARLEY_DATABASE_URL: 'sqlite:/tmp/p.db', PARLEY_REDIS_URL: 'redis://redis.internal:6379' })).toMatch(/SQLite is one file on one machine/);
    // A malformed URL is named, never echoed (it may carry a password).
    const bad = problemsOf({ PARLEY_REDIS_URL: 'http://:secretpw@redis' });
    expect(bad).toMatch(/PARLEY_REDIS_URL: expected redis:\/\//);
    expect(bad).not.toContain('secretpw');
    expect(problemsOf({ PARLEY_DRAIN_TIMEOUT_SECONDS: '0' })).toMatch(/PARLEY_DRAIN_TIMEOUT_SECONDS/);
  });

  it('trusts X-Forwarded-* from every hop, from the named proxies only, or not at all', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ PARLEY_TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({ PARLEY_TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,fd00::1' }).http.trustProxy).toEqual(['10.0.0.5', '10.1.0.0/16', 'fd00::1']);
    expect(problemsOf({ PARLEY_TRUST_PROXY: '10.0.0.5,proxy.internal' })).toMatch(/PARLEY_TRUST_PROXY: expected true, false, or the reverse proxies' addresses/);
  });

  it('has every setting in the README table', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    for (const name of Object.keys(settings)) expect(readme, `README lacks ${name}`).toContain(`\`${name}\``);
  });
});
