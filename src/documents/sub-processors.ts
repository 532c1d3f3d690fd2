import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx } from '../db/database.ts';
import type { SubProcessorsTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import { newId, type Id, type OrgId } from '../shared/ids.ts';
import {
  isEeaCountry,
  type CreateSubProcessorInput,
  type SubProcessorView,
  type TransferTool,
  type UpdateSubProcessorInput,
} from './sub-processor.schema.ts';

export type SubProcessorId = Id<'subProcessor'>;

export function toSubProcessorView(row: SubProcessorsTable): SubProcessorView {
  return {
    id: row.id,
    name: row.name,
    purpose: row.purpose,
    location: row.location,
    country: row.country,
    inEea: Number(row.in_eea) === 1,
    transferTool: row.transfer_tool as TransferTool,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** G53: outside the EEA, a sub-processor needs an adequacy decision or SCCs with a transfer impact assessment. */
function assertTransferTool(country: string, tool: TransferTool): void {
  if (isEeaCountry(country) || tool !== 'none') return;
  throw new AppError(
    'VALIDATION_FAILED',
    `A sub-processor outside the EEA (${country}) needs a transfer tool: an adequacy decision for the country, or standard contractual clauses with a transfer impact assessment (Art. 44–46 GDPR).`,
    { details: [{ path: ['transferTool'], message: 'Required when the country is not in the EEA.' }] },
  );
}

/** The organisation's sub-processors by name (G39). */
export async function listSubProcessors(db: DbOrTx, orgId: OrgId): Promise<SubProcessorView[]> {
  const rows = await db.selectFrom('sub_processors').selectAll().where('org_id', '=', orgId).orderBy('name').orderBy('created_at').execute();
  return rows.map(toSubProcessorView);
}

export async function createSubProcessor(deps: Deps, orgId: OrgId, actor: AuditActor, input: CreateSubProcessorInput): Promise<SubProcessorView> {
  assertTransferTool(input.country, input.transferTool);
  const now = iso(deps.clock.now());
  const row: SubProcessorsTable = {
    id: newId('subProcessor'),
    org_id: orgId,
    name: input.name,
    purpose: input.purpose,
    location: input.location,
    country: input.country,
    in_eea: isEeaCountry(input.country) ? 1 : 0,
    transfer_tool: input.transferTool,
    created_at: now,
    updated_at: now,
  };
  return deps.db.transaction().execute(async (tx) => {
    await tx.insertInto('sub_processors').values(row).execute();
    await deps.audit.append(tx, orgId, actor, { type: 'sub_processor.created', data: { subProcessorId: row.id } });
    return toSubProcessorView(row);
  });
}

const columns = { name: 'name', purpose: 'purpose', location: 'location', country: 'country', transferTool: 'transfer_tool' } as const;

export async function updateSubProcessor(
  deps: Deps,
  orgId: OrgId,
  actor: AuditActor,
  id: SubProcessorId,
  input: UpdateSubProcessorInput,
): Promise<SubProcessorView> {
  return deps.db.transaction().execute(async (tx) => {
    const current = await tx.selectFrom('sub_processors').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    if (!current) throw notFound('Sub-processor');
    const next: SubProcessorsTable = { ...current };
    const changed: string[] = [];
    for (const [field, col] of Object.entries(columns) as [keyof typeof columns, (typeof columns)[keyof typeof columns]][]) {
      const value = input[field];
      if (value !== undefined && value !== current[col]) {
        next[col] = value;
        changed.push(field);
      }
    }
    assertTransferTool(next.country, next.transfer_tool as TransferTool);
    if (changed.length === 0) return toSubProcessorView(current);
    next.in_eea = isEeaCountry(next.country) ? 1 : 0;
    next.updated_at = iso(deps.clock.now());
    await tx
      .updateTable('sub_processors')
      .set({
        name: next.name,
        purpose: next.purpose,
        location: next.location,
        country: next.country,
        in_eea: next.in_eea,
        transfer_tool: next.transfer_tool,
        updated_at: next.updated_at,
      })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
    await deps.audit.append(tx, orgId, actor, { type: 'sub_processor.updated', data: { subProcessorId: id, fields: changed.sort() } });
    return toSubProcessorView(next);
  });
}

export async function deleteSubProcessor(deps: Deps, orgId: OrgId, actor: AuditActor, id: SubProcessorId): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    const result = await tx.deleteFrom('sub_processors').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) !== 1) throw notFound('Sub-processor');
    await deps.audit.append(tx, orgId, actor, { type: 'sub_processor.deleted', data: { subProcessorId: id } });
  });
}
