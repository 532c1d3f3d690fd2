import { describe, expect, it } from 'vitest';
import { buttonLabels, customerScript } from '../../src/recording/recording-texts.ts';
import { callMessagesDe, callMessagesEn } from '../../web/customer/call/call-messages.ts';

/**
 * The agent reads the recording script aloud to the customer; it names the buttons on her screen. The server's
 * script and the customer's page are built separately, so this keeps them naming the same buttons.
 */
describe("the agent's recording script names the customer's buttons exactly as her page shows them", () => {
  for (const [locale, page] of [['en', callMessagesEn], ['de', callMessagesDe]] as const) {
    it(`${locale}: the same labels`, () => {
      const labels = buttonLabels[locale];
      const shown = page.recording;
      expect(labels).toEqual({
        consentYes: shown.consentYes,
        consentNo: shown.consentNo,
        acknowledge: shown.acknowledge,
        withdraw: shown.withdraw,
        leaveCall: shown.leaveCall,
      });
      const facts = { organisationName: 'Musterbank AG', recordingsDays: 30, legalReference: 'MiFID II' };
      expect(customerScript('consent', 'asked', facts, locale)).toContain(shown.consentYes);
      expect(customerScript('consent', 'captured', facts, locale)).toContain(shown.withdraw);
      expect(customerScript('legal_obligation', 'asked', facts, locale)).toContain(shown.acknowledge);
    });
  }
});
