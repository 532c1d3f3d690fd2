/**
 * The references erasure reports for its own exceptions (a legal hold brings its own, a legal-obligation recording
 * its legal reference). Stored in English in the report (console, webhooks); the requester's mail says them in the
 * requester's language (request-mails.ts).
 */
export const REQUEST_RECORD_REFERENCE = 'GDPR Art. 5(2), Art. 12: record of the request and how it was answered';
export const CONSENT_PROOF_REFERENCE = 'GDPR Art. 7(1): proof of consent given or withdrawn';
/** A legal-obligation recording with neither a legal reference nor an authority's extension reference. */
export const LEGAL_OBLIGATION_FALLBACK_REFERENCE = 'legal obligation to record';
