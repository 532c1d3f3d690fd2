import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldInWords, issueInWords, validationSummary } from './validation-messages.ts';

/** The issues zod reports for `value` against `schema`, as the HTTP layer receives them. */
function issues(schema: z.ZodType, value: unknown) {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected a failure');
  return result.error.issues.map((i) => {
    const { code, message, path: _path, ...params } = i;
    return { keyword: code, message, params };
  });
}

describe('validation messages in words', () => {
  it('replaces zod defaults with sentences, with numbers grouped and plurals right', () => {
    const schema = z.strictObject({
      a: z.string().max(1000),
      b: z.string().max(1),
      c: z.string().min(1),
      d: z.number().int().min(5),
      e: z.enum(['x', 'y']),
      f: z.email(),
      g: z.array(z.string()).min(1),
      h: z.string(),
    });
    const words = issues(schema, { a: 'x'.repeat(1001), b: 'xy', c: '', d: 2, e: 'z', f: 'no', g: [], extra: 1 }).map(issueInWords);
    expect(words).toEqual([
      'At most 1,000 characters.',
      'At most 1 character.',
      'Required.',
      'At least 5.',
      'Choose one of the options offered.',
      'Enter a valid email address.',
      'Choose at least one.',
      'Required.',
      'The field “extra” is not accepted here.',
    ]);
  });

  it("keeps a schema's own message as written", () => {
    const [issue] = issues(z.string().max(100, 'Use at most 100 characters.'), 'x'.repeat(101));
    expect(issueInWords(issue!)).toBe('Use at most 100 characters.');
  });

  it('names fields in words, nested and in lists', () => {
    expect(fieldInWords(['legalName'])).toBe('legal name');
    expect(fieldInWords(['customer', 'email'])).toBe("customer's email address");
    expect(fieldInWords(['retention', 'consentDays'])).toBe('consent days (retention)');
    expect(fieldInWords(['purposes', 1, 'basis'])).toBe('purpose 2: basis');
    expect(fieldInWords(['dpoEmail'])).toBe("data protection officer's email address");
    expect(fieldInWords([])).toBeNull();
  });

  it('sums up one problem, several, and many', () => {
    expect(validationSummary([{ path: ['legalName'], message: 'At most 200 characters.' }])).toBe('Check the legal name: at most 200 characters.');
    expect(validationSummary([{ path: [], message: 'Send at least one field to change.' }])).toBe('The request is invalid: send at least one field to change.');
    const many = ['a', 'b', 'c', 'd', 'e'].map((k) => ({ path: [k], message: 'Required.' }));
    expect(validationSummary(many)).toBe('Check 5 fields: the a (required), the b (required), the c (required) and 2 more.');
  });
});
