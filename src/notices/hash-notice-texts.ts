import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { NoticeTexts } from './notice.schema.ts';

/**
 * SHA-256 (hex) over the canonical JSON of a version's texts (keys sorted, no whitespace), so the same texts
 * always give the same hash and consent records can point at exactly what was shown (G11, G14).
 */
export function hashNoticeTexts(texts: NoticeTexts): string {
  return createHash('sha256').update(stringify(texts), 'utf8').digest('hex');
}
