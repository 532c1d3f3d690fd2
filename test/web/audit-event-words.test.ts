import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auditEventSchema } from '../../src/audit/events.ts';
import { eventValueInWords, keyLabels, reasonLabels } from '../../web/console/features/audit/event-words.ts';
import { internalCodes } from '../support/language-check.ts';

/** Each event type the server writes, with the zod shape of its data. */
const events = auditEventSchema.options.map((o) => ({ type: o.shape.type.value as string, data: (o.shape.data as z.ZodObject).shape }));

/** The values of an enum field (also inside an array, optional or nullable), or null for anything else. */
function enumValues(schema: z.ZodType): string[] | null {
  const def = (schema as unknown as { def: { type: string; entries?: Record<string, string>; element?: z.ZodType; innerType?: z.ZodType } }).def;
  if (def.type === 'enum' && def.entries) return Object.values(def.entries);
  if ((def.type === 'array' && def.element) || ((def.type === 'optional' || def.type === 'nullable') && def.innerType)) return enumValues((def.element ?? def.innerType)!);
  return null;
}

// Issue 12, finding 12: the audit log and a recording's audit trail show reasons and details in words.
describe('audit event details in words', () => {
  it('has a label for every detail the server writes', () => {
    const keys = new Set(events.flatMap((e) => Object.keys(e.data)));
    expect([...keys].filter((k) => !(k in keyLabels)).sort()).toEqual([]);
  });

  it('says every reason of every event in words of its own', () => {
    for (const e of events) {
      const reasons = e.data.reason ? enumValues(e.data.reason as z.ZodType) : null;
      if (!reasons) continue;
      for (const reason of reasons) expect(reasonLabels[e.type]?.[reason], `${e.type}: ${reason}`).toBeTruthy();
    }
    expect(eventValueInWords('recording.track_ended', 'reason', 'sources_changed')).toBe('Camera or screen changed');
    expect(eventValueInWords('recording.stopped', 'reason', 'call_ended')).toBe('The call ended');
  });

  it('shows every fixed code of every event without snake_case or keys', () => {
    for (const e of events) {
      for (const [key, schema] of Object.entries(e.data)) {
        for (const value of enumValues(schema as z.ZodType) ?? []) {
          const shown = eventValueInWords(e.type, key, value);
          expect(internalCodes(shown), `${e.type} ${key}=${value} → ${shown}`).toEqual([]);
        }
      }
    }
    expect(eventValueInWords('organisation.updated', 'fields', ['legalName', 'dpoEmail'])).toBe('Legal name, DPO email');
  });
});
