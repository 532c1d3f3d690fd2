/**
 * Validation problems in words (issue 12, finding 12). zod's own messages ("Too big: expected string to have
 * <=1000 characters", "Invalid input: expected string, received undefined") are written for programmers, and a
 * field key ("legalName", "customer.email") means nothing to the person at the form. A schema's own message
 * ("Enter a valid email address.") is kept as written; zod's defaults are replaced by a sentence made from the
 * issue's code and bounds; field keys become words for the message a person reads. Programs still get the exact
 * path of each problem in `details`.
 */

/** One problem as fastify-type-provider-zod hands it over: the zod issue's code, its message and its other fields. */
export interface ValidationIssue {
  readonly keyword: string;
  readonly message: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** zod's English defaults all start like this; no message written in Parley's schemas does. */
const ZOD_DEFAULT = /^(Invalid|Too big|Too small|Unrecognized key)/;

const numberFormat = new Intl.NumberFormat('en-GB');
const n = (value: unknown) => (typeof value === 'number' || typeof value === 'bigint' ? numberFormat.format(value) : String(value));

const formats: Readonly<Record<string, string>> = {
  email: 'Enter a valid email address.',
  url: 'Enter a web address, such as https://example.com.',
  datetime: 'Enter a date and time, such as 2026-12-01T09:00:00+01:00.',
  date: 'Enter a date, such as 2026-12-01.',
  time: 'Enter a time, such as 09:00.',
  uuid: 'This is not in the expected format.',
  regex: 'This contains characters that are not allowed here.',
};

const types: Readonly<Record<string, string>> = {
  string: 'Enter text here.',
  number: 'Enter a number.',
  int: 'Enter a whole number.',
  boolean: 'Choose yes or no.',
  array: 'Send a list here.',
  object: 'Send an object with fields here.',
  date: 'Enter a date.',
};

/** The message of one problem, in words: the schema's own, or one made from a zod default. */
export function issueInWords(issue: ValidationIssue): string {
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message;
  const p = issue.params;
  const plural = (count: unknown, one: string, many: string) => (count === 1 || count === 1n ? one : many);
  switch (issue.keyword) {
    case 'invalid_type':
      // zod reports a missing field as a value of the wrong type, "received undefined".
      if (/received undefined$/.test(issue.message)) return 'Required.';
      return types[String(p.expected)] ?? 'This value has the wrong type.';
    case 'too_big': {
      const max = p.maximum;
      if (p.origin === 'string') return p.exact ? `Exactly ${n(max)} ${plural(max, 'character', 'characters')}.` : `At most ${n(max)} ${plural(max, 'character', 'characters')}.`;
      if (p.origin === 'array' || p.origin === 'set') return `At most ${n(max)} ${plural(max, 'item', 'items')}.`;
      return p.inclusive === false ? `Less than ${n(max)}.` : `At most ${n(max)}.`;
    }
    case 'too_small': {
      const min = p.minimum;
      if (p.origin === 'string') {
        if (min === 1 || min === 1n) return 'Required.';
        return p.exact ? `Exactly ${n(min)} ${plural(min, 'character', 'characters')}.` : `At least ${n(min)} ${plural(min, 'character', 'characters')}.`;
      }
      if (p.origin === 'array' || p.origin === 'set') return min === 1 ? 'Choose at least one.' : `At least ${n(min)} items.`;
      return p.inclusive === false ? `More than ${n(min)}.` : `At least ${n(min)}.`;
    }
    case 'invalid_value':
      return 'Choose one of the options offered.';
    case 'invalid_format':
      return formats[String(p.format)] ?? 'This is not in the expected format.';
    case 'not_multiple_of':
      return `Use a multiple of ${n(p.divisor)}.`;
    case 'unrecognized_keys': {
      // Only a program can send a field the form does not have: name it exactly, it is the programmer who reads this.
      const keys = Array.isArray(p.keys) ? p.keys.map(String) : [];
      return keys.length === 1 ? `The field “${keys[0]}” is not accepted here.` : `The fields ${keys.map((k) => `“${k}”`).join(', ')} are not accepted here.`;
    }
    case 'invalid_union':
      return 'This value is not one of the accepted forms.';
    default:
      return 'This value is not accepted.';
  }
}

/** Field keys whose words are not simply the key split at its capitals. */
const fieldWords: Readonly<Record<string, string>> = {
  displayName: 'name',
  email: 'email address',
  contactEmail: 'contact email address',
  dpoEmail: "data protection officer's email address",
  dpoName: "data protection officer's name",
  callTypeId: 'call type',
  agentId: 'hosting agent',
  userId: 'user',
  actorId: 'person',
  startsAt: 'start time',
  durationMinutes: 'length',
  locale: 'language',
  awareAt: 'time you became aware of the breach',
  authorityNotifiedAt: 'time the authority was notified',
  subjectsCommunicatedAt: 'time the people concerned were told',
  approxSubjects: 'approximate number of people',
  approxRecords: 'approximate number of records',
  privacyPolicyUrl: 'privacy policy address',
  url: 'address',
  completedOn: 'completion date',
  from: 'start of the period',
  to: 'end of the period',
  limit: 'number of results',
  endsAfter: 'earliest end time',
  beforeSeq: 'position in the log',
  e2eeRequired: 'end-to-end encryption',
};

const acronyms: Readonly<Record<string, string>> = { dpo: 'DPO', dpa: 'DPA', dpia: 'DPIA', url: 'address', id: '', e2ee: 'end-to-end encryption', totp: 'authenticator' };

function keyInWords(key: string): string {
  const known = fieldWords[key];
  if (known) return known;
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_]+/)
    .map((w) => w.toLowerCase())
    .map((w) => acronyms[w] ?? w)
    .filter((w) => w !== '')
    .join(' ');
}

/** Parents whose fields read best as "the customer's email address". */
const people = new Set(['customer', 'agent', 'user', 'organisation', 'operator']);

/**
 * A field's path in words: `legalName` → "legal name", `customer.email` → "customer's email address",
 * `retention.consentDays` → "consent days (retention)",
 * `purposes.1.basis` → "purpose 2: basis". Null for the request as a whole.
 */
export function fieldInWords(path: readonly (string | number)[]): string | null {
  const parts: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const next = path[i + 1];
    const isIndex = typeof segment === 'number' || /^\d+$/.test(String(segment));
    if (isIndex) continue;
    const words = keyInWords(String(segment));
    if (next !== undefined && (typeof next === 'number' || /^\d+$/.test(String(next)))) {
      // A list and a position in it: "purposes", 1 → "purpose 2".
      parts.push(`${words.replace(/s$/, '')} ${Number(next) + 1}`);
    } else {
      parts.push(words);
    }
  }
  if (parts.length === 0) return null;
  if (parts.length === 2 && people.has(parts[0]!)) return `${parts[0]}'s ${parts[1]}`;
  if (parts.length === 2 && !/\d$/.test(parts[0]!)) return `${parts[1]} (${parts[0]})`;
  return parts.join(': ');
}

const lowerFirst = (s: string) => (/^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s);
const withoutStop = (s: string) => s.replace(/[.]$/, '');

/** The one message a person reads for a refused request: which fields, in words, and what is wrong with each. */
export function validationSummary(problems: readonly { readonly path: readonly (string | number)[]; readonly message: string }[]): string {
  if (problems.length === 0) return 'The request is invalid.';
  const named = problems.map((p) => ({ field: fieldInWords(p.path), message: p.message }));
  const [first] = named;
  if (named.length === 1 && first) {
    return first.field ? `Check the ${first.field}: ${lowerFirst(first.message)}` : `The request is invalid: ${lowerFirst(first.message)}`;
  }
  const shown = named.slice(0, 3).map((p) => (p.field ? `the ${p.field} (${withoutStop(lowerFirst(p.message))})` : withoutStop(lowerFirst(p.message))));
  const more = named.length - shown.length;
  const list = more > 0 ? `${shown.join(', ')} and ${more} more` : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
  return `Check ${named.length} fields: ${list}.`;
}
