import type { Selectable, Updateable } from 'kysely';
import type { DbOrTx, Tx } from '../db/database.ts';
import type { OrganisationsTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import type { AuditActor } from '../audit/events.ts';
import { createDefaultCallType } from '../call-types/create-call-type.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { newId, type OrgId } from '../shared/ids.ts';
import { playbackRolesSchema, type OrganisationView, type UpdateOrganisationInput } from './organisation.schema.ts';

const requiredForNotices = [
  ['address', 'address'],
  ['contact_email', 'contactEmail'],
  ['dpo_name', 'dpoName'],
  ['dpo_email', 'dpoEmail'],
  ['supervisory_authority', 'supervisoryAuthority'],
] as const;

/** Which roles may play recordings back (G22: `dpo` only unless the organisation decides otherwise). */
export function parsePlaybackRoles(json: string): OrganisationView['playbackRoles'] {
  return playbackRolesSchema.parse(JSON.parse(json));
}

export function toOrganisationView(row: Selectable<OrganisationsTable>): OrganisationView {
  return {
    id: row.id,
    legalName: row.legal_name,
    address: row.address,
    contactEmail: row.contact_email,
    dpoName: row.dpo_name,
    dpoEmail: row.dpo_email,
    dpoPhone: row.dpo_phone,
    supervisoryAuthority: row.supervisory_authority,
    residencyRegion: row.residency_region as OrganisationView['residencyRegion'],
    residencySafeguard: row.residency_safeguard,
    privacyPolicyUrl: row.privacy_policy_url,
    playbackRoles: parsePlaybackRoles(row.playback_roles),
    configVersion: Number(row.config_version),
    missingFields: requiredForNotices.filter(([col]) => row[col].trim() === '').map(([, field]) => field),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Creates a tenant (a controller) with its audit chain and its first, privacy-protective call type. Details not
 * yet known start empty.
 */
export async function createOrganisation(
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'audit'>,
  input: { legalName: string },
): Promise<OrgId> {
  const id = newId('org');
  const now = iso(deps.clock.now());
  await tx
    .insertInto('organisations')
    .values({
      id,
      legal_name: input.legalName,
      address: '',
      contact_email: '',
      dpo_name: '',
      dpo_email: '',
      dpo_phone: null,
      supervisory_authority: '',
      residency_region: 'EEA',
      residency_safeguard: null,
      config_version: 1,
      privacy_policy_url: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await deps.audit.append(tx, id, { type: 'system' }, { type: 'organisation.created', data: { orgId: id } });
  // Privacy by default (G22): the organisation can hold calls from the start, with nothing optional switched on.
  await createDefaultCallType(tx, deps, id);
  return id;
}

export async function getOrganisation(db: DbOrTx, orgId: OrgId): Promise<OrganisationView> {
  const row = await db.selectFrom('organisations').selectAll().where('id', '=', orgId).executeTakeFirst();
  if (!row) throw notFound('Organisation');
  return toOrganisationView(row);
}

const columns: Record<keyof UpdateOrganisationInput, keyof Selectable<OrganisationsTable>> = {
  legalName: 'legal_name',
  address: 'address',
  contactEmail: 'contact_email',
  dpoName: 'dpo_name',
  dpoEmail: 'dpo_email',
  dpoPhone: 'dpo_phone',
  supervisoryAuthority: 'supervisory_authority',
  residencyRegion: 'residency_region',
  residencySafeguard: 'residency_safeguard',
  privacyPolicyUrl: 'privacy_policy_url',
  playbackRoles: 'playback_roles',
};

export async function updateOrganisation(
  deps: Deps,
  orgId: OrgId,
  actor: AuditActor,
  input: UpdateOrganisationInput,
): Promise<OrganisationView> {
  return deps.db.transaction().execute(async (tx) => {
    const current = await tx.selectFrom('organisations').selectAll().where('id', '=', orgId).executeTakeFirst();
    if (!current) throw notFound('Organisation');
    const region = input.residencyRegion ?? current.residency_region;
    // Moving back into the EEA ends the transfer, so a safeguard recorded for it no longer applies.
    if (input.residencyRegion === 'EEA' && input.residencySafeguard === undefined) input = { ...input, residencySafeguard: null };
    const safeguard = input.residencySafeguard !== undefined ? input.residencySafeguard : current.residency_safeguard;
    if (region !== 'EEA' && !safeguard?.trim()) {
      throw new AppError(
        'VALIDATION_FAILED',
        'Data stored outside the EEA needs a transfer safeguard (an adequacy decision, or SCCs with a transfer impact assessment).',
        { details: [{ path: ['residencySafeguard'], message: 'Required when the region is not EEA.' }] },
      );
    }
    const changes: Record<string, string | null> = {};
    const changed: string[] = [];
    for (const [field, raw] of Object.entries(input) as [keyof UpdateOrganisationInput, string | null | string[]][]) {
      const col = columns[field];
      // Roles are kept as a JSON array in a fixed order, so the same set compares equal.
      const value = Array.isArray(raw) ? JSON.stringify([...new Set(raw)].sort()) : raw;
      if (current[col] !== value) {
        changes[col] = value;
        changed.push(field);
      }
    }
    if (changed.length === 0) return toOrganisationView(current);
    const configVersion = Number(current.config_version) + 1;
    await tx
      .updateTable('organisations')
      .set({ ...(changes as Updateable<OrganisationsTable>), config_version: configVersion, updated_at: iso(deps.clock.now()) })
      .where('id', '=', orgId)
      .execute();
    await deps.audit.append(tx, orgId, actor, {
      type: 'organisation.updated',
      data: { fields: changed.sort(), configVersion },
    });
    return toOrganisationView(await tx.selectFrom('organisations').selectAll().where('id', '=', orgId).executeTakeFirstOrThrow());
  });
}
