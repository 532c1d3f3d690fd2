import type { AuditActor } from '../audit/events.ts';
import type { DbOrTx } from '../db/database.ts';
import type { ApiTokensTable } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../shared/app-error.ts';
import { iso, type Clock } from '../shared/clock.ts';
import { newId, newSecret, type ApiTokenId, type OrgId } from '../shared/ids.ts';
import type { Role } from './roles.ts';
import { hashToken } from './tokens.ts';

export const API_TOKEN_PREFIX = 'pat';

function toView(r: ApiTokensTable) {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    createdBy: r.created_by,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

export async function listApiTokens(db: DbOrTx, orgId: OrgId) {
  const rows = await db.selectFrom('api_tokens').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').execute();
  return rows.map(toView);
}

/** The secret is returned once; only its SHA-256 is stored. */
export async function createApiToken(
  deps: Deps,
  orgId: OrgId,
  actor: AuditActor & { type: 'user' },
  input: { name: string; role: Role },
) {
  return deps.db.transaction().execute(async (tx) => {
    const id = newId('apiToken');
    const secret = newSecret(API_TOKEN_PREFIX);
    await tx
      .insertInto('api_tokens')
      .values({
        id,
        org_id: orgId,
        name: input.name,
        role: input.role,
        token_hash: hashToken(secret),
        created_by: actor.id,
        created_at: iso(deps.clock.now()),
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
    await deps.audit.append(tx, orgId, actor, { type: 'api_token.created', data: { tokenId: id, role: input.role } });
    const row = await tx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return { token: secret, apiToken: toView(row) };
  });
}

export async function revokeApiToken(deps: Deps, orgId: OrgId, actor: AuditActor, tokenId: ApiTokenId) {
  return deps.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('api_tokens').selectAll().where('org_id', '=', orgId).where('id', '=', tokenId).executeTakeFirst();
    if (!row) throw notFound('API token');
    if (row.revoked_at === null) {
      await tx.updateTable('api_tokens').set({ revoked_at: iso(deps.clock.now()) }).where('id', '=', tokenId).execute();
      await deps.audit.append(tx, orgId, actor, { type: 'api_token.revoked', data: { tokenId } });
    }
    return toView(await tx.selectFrom('api_tokens').selectAll().where('id', '=', tokenId).executeTakeFirstOrThrow());
  });
}

/** The organisation and role of a bearer token, or null when unknown or revoked. */
export async function resolveApiToken(db: DbOrTx, clock: Clock, secret: string) {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'org_id', 'role', 'revoked_at', 'last_used_at'])
    .where('token_hash', '=', hashToken(secret))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return null;
  // Last use is kept to the minute: enough to spot a forgotten token, without a write per request.
  const now = clock.now();
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: iso(now) }).where('id', '=', row.id).execute();
  }
  return { tokenId: row.id as ApiTokenId, orgId: row.org_id as OrgId, role: row.role as Role };
}
