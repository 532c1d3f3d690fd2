import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleCall, startCallWorld, type CallWorld } from '../media/support/call-setup.ts';
import { SignalClient } from '../media/support/signal-client.ts';

// Issue 12, finding 18: the join page's data must not be cached (it names the customer), and an agent whose console
// is open at another address than PARLEY_PUBLIC_URL is told that, not sent to sign in again.

describe('what the join API and the call socket say about addresses and caching', () => {
  let world: CallWorld;
  let port = '';

  beforeAll(async () => {
    world = await startCallWorld();
    port = new URL(world.url).port;
  });
  afterAll(async () => world?.t.close());

  it('answers GET /api/join/:token with Cache-Control: no-store and Vary: Accept-Language, refusals too', async () => {
    const call = await scheduleCall(world, world.callTypes.open);
    const c = world.t.client();
    const info = await c.request('GET', `/api/join/${call.customerToken}`, undefined, { headers: { 'accept-language': 'de-DE' } });
    expect(info.status, info.raw).toBe(200);
    // The answer names the customer: exactly what must not sit in a shared cache.
    expect(info.raw).toContain('Karla Kundin');
    expect(info.headers['cache-control']).toBe('no-store');
    expect(String(info.headers.vary)).toMatch(/accept-language/i);

    const unknown = await c.request('GET', `/api/join/${'x'.repeat(60)}`);
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    expect(unknown.headers['cache-control']).toBe('no-store');

    const decided = await c.post(`/api/join/${call.customerToken}/consents`, { decisions: [] });
    expect(decided.headers['cache-control']).toBe('no-store');
  });

  it('tells an agent whose console is open at 127.0.0.1 (public address localhost) to open it at the public address', async () => {
    expect(world.t.config.publicUrl).toMatch(/^http:\/\/localhost/);
    const publicOrigin = new URL(world.t.config.publicUrl).origin;
    const call = await scheduleCall(world, world.callTypes.open);
    const socket = await SignalClient.connect(world.url, { cookie: world.agentCookie, origin: `http://127.0.0.1:${port}` });
    socket.send({ type: 'join', callId: call.callId, auth: { kind: 'session' } });
    const error = await socket.next('error');
    expect(await socket.waitClosed()).toBe(1008);
    expect(error.code).toBe('JOIN_REFUSED');
    expect(error.message).not.toMatch(/sign in to the console to join/i);
    expect(error.message).toContain(`This console is open at http://127.0.0.1:${port}, but Parley's address is ${publicOrigin}`);
    expect(error.message).toContain(`Open the console at ${publicOrigin}`);

    // The same agent at the public address joins.
    const right = await SignalClient.connect(world.url, { cookie: world.agentCookie, origin: publicOrigin });
    right.send({ type: 'join', callId: call.callId, auth: { kind: 'session' } });
    await right.next('welcome');
    right.ws.close();
  });

  it('shows a garbled Origin as words, never echoing it', async () => {
    const call = await scheduleCall(world, world.callTypes.open);
    const socket = await SignalClient.connect(world.url, { cookie: world.agentCookie, origin: 'not an origin <script>' });
    socket.send({ type: 'join', callId: call.callId, auth: { kind: 'session' } });
    const error = await socket.next('error');
    expect(error.message).toContain('This console is open at another address');
    expect(error.message).not.toContain('<script>');
  });
});
