/**
 * Finds what a German reader should never see: English sentences and internal codes (field keys, snake_case
 * reasons, prefixed ids, ISO timestamps, requirement ids). Used by the tests that render customer surfaces and mails
 * in German (issue 12, findings 12 and 13).
 *
 * English is recognised by its function words, which German does not share ("the", "you", "with", "please"…), and
 * by the English UI words Parley itself uses; words German has borrowed ("Chat", "Link", "Browser", "Download",
 * "Start") are not counted. A segment is judged on its own (a line, or a sentence), so one English word quoted in a
 * German sentence is flagged only when it is one of Parley's own English labels.
 */

/** English words that are not also German words. "was", "will", "die", "also", "an", "in" are left out on purpose. */
const ENGLISH_FUNCTION_WORDS = new Set([
  'the', 'and', 'you', 'your', 'yours', 'is', 'are', 'were', 'of', 'to', 'with', 'this', 'that', 'these', 'those',
  'not', 'has', 'have', 'had', 'been', 'please', 'our', 'we', 'it', 'its', 'be', 'for', 'from', 'by', 'or', 'if',
  'here', 'there', 'when', 'which', 'what', 'who', 'why', 'how', 'can', 'could', 'should', 'would', 'may', 'must',
  'at', 'on', 'as', 'about', 'into', 'than', 'then', 'they', 'them', 'their', 'my', 'me', 'he', 'she', 'his', 'her',
  'yes', 'do', 'does', 'did', 'any', 'only', 'after', 'before', 'until', 'again',
]);

/** Labels and words of Parley's own English catalogue that have a German translation there. */
const ENGLISH_UI_WORDS = new Set([
  'continue', 'join', 'leave', 'cancel', 'send', 'withdraw', 'close', 'back', 'submit', 'loading', 'error',
  'recording', 'recorded', 'camera', 'microphone', 'mute', 'unmute', 'copy', 'save', 'sign', 'choose', 'agree',
  'decline', 'accept', 'waiting', 'ended', 'host', 'privacy', 'notice', 'rights', 'erasure', 'request', 'requested',
  'scheduled', 'invitation', 'something', 'wrong', 'try', 'code', 'enter', 'expired', 'ready', 'your', 'call',
  'calls', 'meeting', 'settings', 'speaker', 'screen', 'share', 'sharing', 'everyone', 'nobody', 'consent',
]);

// German uses "Code" too, but never lowercase in running text; judge UI words case-sensitively on their lowercase form.
const GERMAN_CAPITALISED_LOANS = new Set(['Code', 'Host', 'Screen', 'Share', 'Call', 'Calls', 'Meeting']);

export interface Finding {
  readonly kind: 'english' | 'internal-code';
  readonly text: string;
  readonly why: string;
}

const URL_OR_EMAIL = /\b(?:https?:\/\/\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;

function segments(text: string): string[] {
  return text
    .replace(URL_OR_EMAIL, ' ')
    .split(/\n|(?<=[.!?:])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function words(segment: string): string[] {
  return segment.match(/[\p{L}']+/gu) ?? [];
}

/** English sentences and labels in a text meant to be German. `allow` lists strings to ignore (names, brand). */
export function englishLeaks(text: string, allow: readonly string[] = []): Finding[] {
  let cleaned = text;
  for (const a of allow) cleaned = cleaned.split(a).join(' ');
  const found: Finding[] = [];
  for (const segment of segments(cleaned)) {
    const ws = words(segment);
    const functionWords = new Set(ws.map((w) => w.toLowerCase()).filter((w) => ENGLISH_FUNCTION_WORDS.has(w)));
    const uiWords = ws.filter((w) => ENGLISH_UI_WORDS.has(w.toLowerCase()) && !GERMAN_CAPITALISED_LOANS.has(w));
    if (functionWords.size >= 2) found.push({ kind: 'english', text: segment, why: `English words: ${[...functionWords].join(', ')}` });
    else if (uiWords.length > 0) found.push({ kind: 'english', text: segment, why: `English label: ${uiWords.join(', ')}` });
  }
  return found;
}

const INTERNAL_PATTERNS: readonly [RegExp, string][] = [
  [/\b(?:org|usr|ct|call|par|subj|rec|recording|req|evt|track|tok|notice|brc|hold|whk|job|mail)_[A-Za-z0-9]{6,}\b/, 'a prefixed id'],
  [/\b[a-z]+(?:_[a-z]+)+(?:\.[a-z_]+)?\b/, 'a snake_case code'],
  [/\b[a-z]+\.[a-z]+(?:_[a-z]+)+\b/, 'a dotted code'],
  [/\b[a-z]+[A-Z][A-Za-z]+(?:\.[a-z]+[A-Za-z]*)*\b/, 'a field key (camelCase)'],
  [/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, 'an ISO timestamp'],
  [/\(G\d{1,2}\)|\bG\d{1,2}\b(?=[,)\s])/, 'a requirement id'],
  [/\bundefined\b|\bnull\b|\[object Object\]|\bNaN\b/, 'a programming value'],
];

/** Internal codes a person should never read: field keys, snake_case reasons, ids, ISO times, requirement ids. */
export function internalCodes(text: string, allow: readonly string[] = []): Finding[] {
  let cleaned = text.replace(URL_OR_EMAIL, ' ');
  for (const a of allow) cleaned = cleaned.split(a).join(' ');
  const found: Finding[] = [];
  for (const segment of segments(cleaned)) {
    for (const [pattern, why] of INTERNAL_PATTERNS) {
      const m = segment.match(pattern);
      if (m) found.push({ kind: 'internal-code', text: segment, why: `${why}: ${m[0]}` });
    }
  }
  return found;
}

/** Both checks, formatted for an assertion message; empty when the text is clean. */
export function germanTextProblems(text: string, allow: readonly string[] = []): string[] {
  return [...englishLeaks(text, allow), ...internalCodes(text, allow)].map((f) => `${f.why} — “${f.text}”`);
}
