import type { Retention } from './call-type.schema.ts';

/**
 * Named retention presets, in days per data category. A new call type gets `short` unless told otherwise,
 * and every new organisation's first call type uses it (G22: the shortest preset by default).
 *
 * - call metadata (who took part, when, how long): long enough to answer a question or complaint about the call;
 * - chat and recordings: only when the call type keeps them at all;
 * - consent records: proof of consent must outlive the data it covers (Art. 7(1)), so it is kept longer:
 *   one year in `short`; three years in `standard` (the regular limitation period, § 195 BGB); four years in
 *   `long` (the period runs from the end of the year, § 199 BGB, so up to four calendar years).
 *
 * Legal-obligation recordings (MiFID II) have their own floor of 1826 days (G56) whatever the preset.
 */
export const retentionPresets = {
  short: { callMetadataDays: 30, chatDays: 7, recordingsDays: 30, consentDays: 365 },
  standard: { callMetadataDays: 90, chatDays: 30, recordingsDays: 90, consentDays: 1095 },
  long: { callMetadataDays: 365, chatDays: 90, recordingsDays: 365, consentDays: 1460 },
} as const satisfies Record<string, Retention>;

export type RetentionPresetName = keyof typeof retentionPresets;

export const DEFAULT_RETENTION_PRESET: RetentionPresetName = 'short';

/** One line per preset, for the console. */
export const retentionPresetDescriptions: Readonly<Record<RetentionPresetName, string>> = {
  short: 'The least kept for the shortest time. The default, and right for most calls.',
  standard: 'For calls that often lead to follow-up questions within a quarter.',
  long: 'For advice whose records you need for a year, with consent proof for the limitation period.',
};
