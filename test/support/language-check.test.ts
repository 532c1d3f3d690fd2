import { describe, expect, it } from 'vitest';
import { englishLeaks, germanTextProblems, internalCodes } from './language-check.ts';

describe('the German-text check used by the customer-surface tests', () => {
  it('passes plain German, loanwords, names, links and addresses', () => {
    const text = [
      'Ihr Gespräch mit Zoë Müller ist beendet.',
      'Den Chat können Sie im Browser herunterladen: https://example.test/rights/org_abc123?x=a_b',
      'Schreiben Sie an datenschutz@example.test, wenn Sie Fragen haben. Was wird gespeichert?',
      'Start der Aufzeichnung: 3. Dezember 2026, 14:30 MEZ. Ihr Code ist gültig.',
    ].join('\n');
    expect(germanTextProblems(text)).toEqual([]);
  });

  it('flags an English sentence and an English button label inside German text', () => {
    expect(englishLeaks('Das Gespräch ist vorbei. The host ended the call.')).toHaveLength(1);
    expect(englishLeaks('Weiter\nContinue')).toHaveLength(1);
    expect(englishLeaks('Einwilligung gemäß (GDPR Art. 7(1): you can withdraw at any time)').length).toBeGreaterThan(0);
  });

  it('flags field keys, snake_case reasons, prefixed ids, ISO timestamps and requirement ids', () => {
    const codes = (t: string) => internalCodes(t).map((f) => f.why);
    expect(codes('Bitte prüfen: legalName')).toEqual([expect.stringContaining('camelCase')]);
    expect(codes('Art: rights_request.code')).not.toEqual([]);
    expect(codes('Beendet: sources_changed')).not.toEqual([]);
    expect(codes('Konfiguration ct_8f3k2m9q v1')).not.toEqual([]);
    expect(codes('Erstellt am 2026-12-03T10:00:00.000Z')).not.toEqual([]);
    expect(codes('Schulung und Qualität (G4)')).not.toEqual([]);
  });
});
