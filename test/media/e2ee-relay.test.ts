import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCallWorld, scheduleCall, type CallWorld } from './support/call-setup.ts';
import { SignalClient } from './support/signal-client.ts';

// Issue 8, step 1: the server relays E2EE key material between the admitted participants of one call and holds no
// media key; a client that cannot encrypt is refused instead of joining unencrypted.

const PUBLIC_KEY_A = Buffer.alloc(65, 4).toString('base64');
const PUBLIC_KEY_B = Buffer.alloc(65, 7).toString('base64');
const WRAPPED = Buffer.alloc(60, 9).toString('base64');

describe('end-to-end encrypted calls: key relay and join rules', () => {
  let world: CallWorld;
  let e2eeType = '';
  const open: SignalClient[] = [];
  beforeAll(async () => {
    world = await startCallWorld();
    const ct = await world.admin.client.post('/api/call-types', {
      name: 'Vertraulich',
      purposes: [{ purpose: 'call_delivery', basis: 'contract' }],
      lobbyEnabled: false,
      e2eeRequired: true,
    });
    expect(ct.status, ct.raw).toBe(201);
    e2eeType = ct.body.id;
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(async () => world?.t.close());

  async function connect(options: { cookie?: string } = {}): Promise<SignalClient> {
    const s = await SignalClient.connect(world.url, options);
    open.push(s);
    return s;
  }

  it('refuses a join that does not declare E2EE support for an E2EE call type, and says why', async () => {
    const call = await scheduleCall(world, e2eeType);
    const customer = await connect();
    customer.send({ type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
    const error = await customer.next('error');
    expect(error.code).toBe('E2EE_UNSUPPORTED');
    expect(error.message).toMatch(/end-to-end encrypted/);
    expect(await customer.waitClosed()).toBe(1008);
    const agent = await connect({ cookie: world.agentCookie });
    agent.send({ type: 'join', callId: call.callId, auth: { kind: 'session' }, e2ee: false });
    expect((await agent.next('error')).code).toBe('E2EE_UNSUPPORTED');
  });

  it('tells everyone the participants\' public keys and relays a wrapped media key only to the participant it names', async () => {
    const call = await scheduleCall(world, e2eeType);
    const agent = await connect({ cookie: world.agentCookie });
    agent.send({ type: 'join', callId: call.callId, auth: { kind: 'session' }, e2ee: true });
    expect((await agent.next('welcome')).e2ee).toBe(true);
    agent.send({ type: 'e2ee-key', publicKey: PUBLIC_KEY_A });

    const customer = await connect();
    customer.send({ type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken }, e2ee: true });
    const welcome = await customer.next('welcome');
    expect(welcome.e2ee).toBe(true);
    expect(welcome.peers.find((p) => p.participantId === call.agentParticipantId)?.e2eeKey).toBe(PUBLIC_KEY_A);
    customer.send({ type: 'e2ee-key', publicKey: PUBLIC_KEY_B });
    await agent.next('peer-updated', (m) => m.peer.participantId === call.customerId && m.peer.e2eeKey === PUBLIC_KEY_B);

    agent.send({ type: 'e2ee-sender-key', to: call.customerId, keyId: 7, wrapped: WRAPPED });
    expect(await customer.next('e2ee-sender-key')).toEqual({ type: 'e2ee-sender-key', from: call.agentParticipantId, keyId: 7, wrapped: WRAPPED });

    // A key for nobody in the call, or for oneself, is refused; an oversized or non-base64 key never reaches anyone.
    const refusal = async (message: unknown): Promise<string> => {
      const from = agent.messages.length;
      agent.sendRaw(JSON.stringify(message));
      return (await agent.next('error', () => true, { from })).code;
    };
    expect(await refusal({ type: 'e2ee-sender-key', to: `par_${'0'.repeat(25)}`, keyId: 8, wrapped: WRAPPED })).toBe('UNKNOWN_PARTICIPANT');
    expect(await refusal({ type: 'e2ee-sender-key', to: call.agentParticipantId, keyId: 8, wrapped: WRAPPED })).toBe('UNKNOWN_PARTICIPANT');
    expect(await refusal({ type: 'e2ee-sender-key', to: call.customerId, keyId: 9, wrapped: 'A'.repeat(400) })).toBe('INVALID_MESSAGE');
    expect(await refusal({ type: 'e2ee-key', publicKey: 'not base64!' })).toBe('INVALID_MESSAGE');
    await new Promise((r) => setTimeout(r, 200));
    expect(customer.of('e2ee-sender-key').map((m) => m.keyId)).toEqual([7]);
  });

  it('refuses key messages in a call that is not end-to-end encrypted', async () => {
    const call = await scheduleCall(world, world.callTypes.open);
    const agent = await connect({ cookie: world.agentCookie });
    agent.send({ type: 'join', callId: call.callId, auth: { kind: 'session' } });
    expect((await agent.next('welcome')).e2ee).toBe(false);
    agent.send({ type: 'e2ee-key', publicKey: PUBLIC_KEY_A });
    expect((await agent.next('error')).code).toBe('E2EE_NOT_ENABLED');
  });
});
