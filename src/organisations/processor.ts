import type { Selectable } from 'kysely';
import type { AuditActor } from '../audit/events.ts';
import type { Config } from '../config/load.ts';
import type { DbOrTx } from '../db/database.ts';
import type { OrganisationsTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import { processorFields, type ProcessorDetails, type ProcessorView, type UpdateProcessorInput } from './processor.schema.ts';

/**
 * PARLEY_OPERATOR_NAME's default (src/config/schema.ts): a description, not a legal name, so a DPA that shows it
 * names no processor. It counts as "not provided".
 */
const GENERIC_OPERATOR_NAME = 'The operator of this Parley installation';

const filled = (v: string | null | undefined): string | null => (v && v.trim() !== '' ? v.trim() : null);

export function installationProcessor(operator: Config['operator']): ProcessorDetails {
  const name = filled(operator.name);
  return { name: name === GENERIC_OPERATOR_NAME ? null : name, address: filled(operator.address), contactEmail: filled(operator.contactEmail) };
}

type Row = Pick<Selectable<OrganisationsTable>, 'operator_name' | 'operator_address' | 'operator_contact_email'>;

export function toProcessorView(row: Row, operator: Config['operator']): ProcessorView {
  const own = { name: filled(row.operator_name), address: filled(row.operator_address), contactEmail: filled(row.operator_contact_email) };
  const installation = installationProcessor(operator);
  const effective = {
    name: own.name ?? installation.name,
    address: own.address ?? installation.address,
    contactEmail: own.contactEmail ?? installation.contactEmail,
  };
  return { effective, own, installation, missing: processorFields.filter((f) => effective[f] === null) };
}

export async function getProcessor(deps: Pick<Deps, 'config'>, db: DbOrTx, orgId: OrgId): Promise<ProcessorView> {
  const row = await db
    .selectFrom('organisations')
    .select(['operator_name', 'operator_address', 'operator_contact_email'])
    .where('id', '=', orgId)
    .executeTakeFirst();
  if (!row) throw notFound('Organisation');
  return toProcessorView(row, deps.config.operator);
}

const columns = { name: 'operator_name', address: 'operator_address', contactEmail: 'operator_contact_email' } as const;
/** The field names the audit event records, beside the organisation's own (`organisation.updated`). */
const auditNames = { name: 'operatorName', address: 'operatorAddress', contactEmail: 'operatorContactEmail' } as const;

/**
 * Sets this organisation's entries for its processor (null: back to the installation's setting). Like any settings
 * change it bumps the organisation's configuration version, so documents generated afterwards carry the new version,
 * and writes `organisation.updated` in the same transaction.
 */
export async function updateProcessor(deps: Deps, orgId: OrgId, actor: AuditActor, input: UpdateProcessorInput): Promise<ProcessorView> {
  return deps.db.transaction().execute(async (tx) => {
    const current = await tx.selectFrom('organisations').selectAll().where('id', '=', orgId).executeTakeFirst();
    if (!current) throw notFound('Organisation');
    const changes: Partial<Record<(typeof columns)[keyof typeof columns], string | null>> = {};
    const changed: string[] = [];
    for (const field of processorFields) {
      const value = input[field];
      if (value === undefined || value === current[columns[field]]) continue;
      changes[columns[field]] = value;
      changed.push(auditNames[field]);
    }
    if (changed.length === 0) return toProcessorView(current, deps.config.operator);
    const configVersion = Number(current.config_version) + 1;
    await tx
      .updateTable('organisations')
      .set({ ...changes, config_version: configVersion, updated_at: iso(deps.clock.now()) })
      .where('id', '=', orgId)
      .execute();
    await deps.audit.append(tx, orgId, actor, { type: 'organisation.updated', data: { fields: changed.sort(), configVersion } });
    return getProcessor(deps, tx, orgId);
  });
}
