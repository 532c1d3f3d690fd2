import stringify from 'safe-stable-stringify';
import type { Tx } from '../db/database.ts';
import { iso, type Clock } from '../shared/clock.ts';
import { newId, type OrgId } from '../shared/ids.ts';
import { GENESIS_HASH, hashEvent } from './chain.ts';
import { auditEventSchema, type AuditActor, type AuditEvent } from './events.ts';

const INSERT_CHUNK = 500;

export interface AuditLog {
  /**
   * Appends events to the organisation's chain inside the caller's transaction, so the event commits or rolls
   * back with the change it records (STYLE 10).
   */
  append(tx: Tx, orgId: OrgId, actor: AuditActor, events: AuditEvent | readonly AuditEvent[]): Promise<void>;
}

export function createAuditLog(deps: { clock: Clock }): AuditLog {
  return {
    async append(tx, orgId, actor, eventOrEvents) {
      const events = Array.isArray(eventOrEvents) ? eventOrEvents : [eventOrEvents as AuditEvent];
      if (events.length === 0) return;
      // Validate here as well as by type: an event built from loose data must not slip personal fields in.
      const parsed = events.map((e) => auditEventSchema.parse(e));

      // Taking the head row with an UPDATE serialises appenders of one organisation on PostgreSQL (row lock
      // until commit); SQLite has a single writer anyway. It also hands back the previous hash in O(1).
      let head = await tx
        .updateTable('audit_heads')
        .set((eb) => ({ seq: eb('seq', '+', events.length) }))
        .where('org_id', '=', orgId)
        .returning(['seq', 'hash'])
        .executeTakeFirst();
      if (!head) {
        await tx
          .insertInto('audit_heads')
          .values({ org_id: orgId, seq: events.length, hash: GENESIS_HASH })
          .execute();
        head = { seq: events.length, hash: GENESIS_HASH };
      }

      let seq = Number(head.seq) - events.length;
      let prevHash = head.hash;
      const createdAt = iso(deps.clock.now());
      const actorId = actor.type === 'user' || actor.type === 'api_token' ? actor.id : null;
      const rows = parsed.map((event) => {
        seq += 1;
        const row = {
          id: newId('event'),
          org_id: orgId,
          seq,
          type: event.type,
          actor_type: actor.type,
          actor_id: actorId,
          data: stringify(event.data),
          created_at: createdAt,
          prev_hash: prevHash,
        };
        const hash = hashEvent(row);
        prevHash = hash;
        return { ...row, hash };
      });
      // Ten parameters a row: chunks keep a large batch under SQLite's and PostgreSQL's bind-parameter limits.
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await tx.insertInto('audit_events').values(rows.slice(i, i + INSERT_CHUNK)).execute();
      }
      await tx.updateTable('audit_heads').set({ hash: prevHash }).where('org_id', '=', orgId).execute();
    },
  };
}
