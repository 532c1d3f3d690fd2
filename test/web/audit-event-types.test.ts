import { describe, expect, it } from 'vitest';
import { auditEventTypes as serverTypes } from '../../src/audit/events.ts';
import { auditEventTypes as consoleTypes } from '../../web/console/features/audit/event-types.ts';

describe('the audit log page', () => {
  it('has a label (and a filter entry) for every event type the server writes', () => {
    expect(Object.keys(consoleTypes).sort()).toEqual([...serverTypes].sort());
  });
});
