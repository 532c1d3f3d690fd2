import * as z from 'zod/mini';

export const roles = ['admin', 'dpo', 'agent'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

export const roleLabels: Readonly<Record<Role, string>> = {
  admin: 'Administrator',
  dpo: 'Data protection officer',
  agent: 'Agent',
};

/** One line per role, shown where a role is chosen. */
export const roleDescriptions: Readonly<Record<Role, string>> = {
  admin: 'Manages settings, users and API tokens. Needs an authenticator app.',
  dpo: 'Edits privacy settings, call types and privacy notices, reads users and the audit log, records training. Needs an authenticator app.',
  agent: 'Holds calls with customers; reads the organisation settings and call types.',
};

/**
 * What each role may do in the console, mirroring the server's access rules (the server still decides:
 * this only hides what would be refused).
 */
const permissions = {
  'organisation.read': ['admin', 'dpo', 'agent'],
  'organisation.edit': ['admin', 'dpo'],
  'users.read': ['admin', 'dpo'],
  'users.manage': ['admin'],
  'training.record': ['admin', 'dpo'],
  'apiTokens.manage': ['admin'],
  'audit.read': ['admin', 'dpo'],
  'callTypes.read': ['admin', 'dpo', 'agent'],
  'callTypes.manage': ['admin', 'dpo'],
  'notices.manage': ['admin', 'dpo'],
  'calls.read': ['admin', 'dpo', 'agent'],
  'calls.schedule': ['admin', 'agent'],
  'consents.read': ['admin', 'dpo'],
  'outbox.read': ['admin', 'dpo'],
  /** The queue of data-subject requests and the actions on them (export, erase, restrict, extend, refuse). */
  'rightsRequests.handle': ['admin', 'dpo'],
  /** Listing recordings (agents: of their own calls). Playing them is the organisation's choice of roles, checked by the server. */
  'recordings.read': ['admin', 'dpo', 'agent'],
  /** Legal holds (G37): placing, listing and releasing them. */
  'legalHolds.manage': ['admin', 'dpo'],
  /** Signed webhooks to other systems (G21): endpoints, secrets, deliveries. */
  'webhooks.manage': ['admin', 'dpo'],
  /** Generated accountability documents (DPA, DPIA, records of processing, policy snippet) and the sub-processor list. */
  'documents.manage': ['admin', 'dpo'],
  /** The breach register (G49): recording, editing and following up breaches. */
  'breaches.manage': ['admin', 'dpo'],
  /** The organisation's recording key for E2EE calls: administrators see it, only a DPO makes one (the passphrase is theirs). */
  'recordingKeys.read': ['admin', 'dpo'],
  'recordingKeys.manage': ['dpo'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function can(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}
