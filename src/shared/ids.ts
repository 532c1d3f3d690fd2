import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Prefixed, branded ids. The prefix says what an id names in logs and URLs; the brand makes the compiler
 * refuse a recording id where a call id is expected. One closed union of prefixes: add new kinds here.
 */
export const idPrefixes = {
  org: 'org',
  user: 'usr',
  session: 'ses',
  setupToken: 'stk',
  apiToken: 'tok',
  training: 'trn',
  event: 'evt',
  job: 'job',
  mail: 'mail',
  notice: 'ntc',
  consent: 'cns',
  callType: 'ct',
  call: 'call',
  participant: 'par',
  subject: 'subj',
  recording: 'rec',
  track: 'trk',
  orgKey: 'kek',
  recordingKey: 'rkey',
  attendance: 'att',
  chatMessage: 'msg',
  callQuality: 'cq',
  request: 'req',
  export: 'exp',
  legalHold: 'hold',
  webhook: 'whk',
  webhookDelivery: 'whd',
  webhookEvent: 'whe',
  subProcessor: 'spr',
  breach: 'brc',
  breachUpdate: 'bru',
} as const;

export type IdKind = keyof typeof idPrefixes;
export type Id<K extends IdKind> = string & { readonly __id: K };

export type OrgId = Id<'org'>;
export type UserId = Id<'user'>;
export type SessionId = Id<'session'>;
export type SetupTokenId = Id<'setupToken'>;
export type ApiTokenId = Id<'apiToken'>;
export type TrainingId = Id<'training'>;
export type EventId = Id<'event'>;
export type CallTypeId = Id<'callType'>;
export type NoticeId = Id<'notice'>;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** 128 random bits in base36 (25 characters) after the prefix. */
export function newId<K extends IdKind>(kind: K): Id<K> {
  const bytes = randomBytes(25);
  let body = '';
  // 25 characters of base36 drawn by rejection-free mapping of bytes would be biased; 256 % 36 = 4, so the
  // first 252 values map evenly and the few others are redrawn.
  for (let i = 0; body.length < 25; i++) {
    const b = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!;
    if (b < 252) body += ALPHABET[b % 36];
  }
  return `${idPrefixes[kind]}_${body}` as Id<K>;
}

export function isId<K extends IdKind>(kind: K, value: string): value is Id<K> {
  return new RegExp(`^${idPrefixes[kind]}_[0-9a-z]{25}$`).test(value);
}

/** A zod schema for an id of one kind; malformed ids fail validation (400), well-formed unknown ones 404. */
export function idSchema<K extends IdKind>(kind: K) {
  return z
    .string()
    .regex(new RegExp(`^${idPrefixes[kind]}_[0-9a-z]{25}$`), `expected an id starting with ${idPrefixes[kind]}_`)
    .transform((v) => v as Id<K>);
}

/** A random secret for tokens and links: 256 bits, base64url. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
