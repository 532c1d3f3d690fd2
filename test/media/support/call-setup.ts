import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { joinToken } from '../../../src/scheduling/join-links.ts';
import type { BuildOptions } from '../../../src/main.ts';
import type { TestDialect } from '../../support/dialects.ts';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, type SignedIn, type TestParley, type TestParleyExtras } from '../../support/harness.ts';

/** Short signalling timings so heartbeat, grace and negotiation timeouts can be seen within a test. */
export const fastCalls: NonNullable<BuildOptions['calls']> = {
  pingIntervalMs: 100,
  deadAfterMs: 500,
  graceMs: 400,
  joinTimeoutMs: 2_000,
  negotiationTimeoutMs: 3_000,
};

export interface CallWorld {
  readonly t: TestParley;
  readonly admin: SignedIn;
  readonly agent: SignedIn;
  readonly url: string;
  /** The agent's session cookie, as a browser sends it with the WebSocket upgrade. */
  readonly agentCookie: string;
  readonly callTypes: { readonly open: string; readonly lobby: string };
}

/** A listening Parley with an organisation, an agent, a published notice and two call types (with and without lobby). */
export async function startCallWorld(
  calls: BuildOptions['calls'] = fastCalls,
  env: Record<string, string> = {},
  dialect: TestDialect['name'] = 'sqlite',
  extras: Omit<TestParleyExtras, 'calls'> = {},
): Promise<CallWorld> {
  const t = await startTestParley(dialect, env, { calls, ...extras });
  const admin = await createOrgWithAdmin(t, 'Musterbank AG');
  const agent = await addUser(t, admin, 'agent');
  await publishNotice(admin);
  const callTypes: Record<'open' | 'lobby', string> = { open: '', lobby: '' };
  for (const [key, lobbyEnabled] of [['open', false], ['lobby', true]] as const) {
    const ct = await admin.client.post('/api/call-types', {
      name: `Beratung ${key}`,
      purposes: [{ purpose: 'call_delivery', basis: 'contract' }],
      lobbyEnabled,
    });
    expect(ct.status, ct.raw).toBe(201);
    callTypes[key] = ct.body.id;
  }
  await t.parley.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.parley.app.server.address() as AddressInfo;
  const session = agent.client.cookies.get('parley_session');
  if (!session) throw new Error('the agent has no session cookie');
  return { t, admin, agent, url: `ws://127.0.0.1:${port}/api/calls/signal`, agentCookie: `parley_session=${session}`, callTypes };
}

export interface ScheduledCall {
  readonly callId: string;
  readonly customerId: string;
  readonly agentParticipantId: string;
  readonly customerToken: string;
}

export async function scheduleCall(world: CallWorld, callTypeId: string, options: { locale?: 'en' | 'de' } = {}): Promise<ScheduledCall> {
  const res = await world.agent.client.post('/api/calls', {
    callTypeId,
    ...(options.locale ? { locale: options.locale } : {}),
    startsAt: new Date(world.t.clock.now().getTime() + 600_000).toISOString(),
    durationMinutes: 30,
    customer: { displayName: 'Karla Kundin', email: `karla.${Math.random()}@example.test` },
  });
  expect(res.status, res.raw).toBe(201);
  const customer = res.body.participants.find((p: { kind: string }) => p.kind === 'customer');
  const agentParticipant = res.body.participants.find((p: { kind: string }) => p.kind === 'agent');
  return {
    callId: res.body.id,
    customerId: customer.id,
    agentParticipantId: agentParticipant.id,
    customerToken: joinToken(world.t.parley.deps, customer.id, res.body.id),
  };
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
