/**
 * The safety code participants compare (read aloud, or on screen side by side): 5 groups of 4 digits from SHA-256
 * over the participants' public keys, sorted so everyone computes the same code. Equal codes mean everyone holds
 * the public keys the others actually made, so nobody in the middle (the server included) swapped in their own and
 * can unwrap the media keys. 20 decimal digits keep ~66 bits: enough against a key swap tried on the fly.
 */
export async function safetyCode(publicKeysBase64: readonly string[]): Promise<string> {
  const keys = [...new Set(publicKeysBase64)].sort().map(fromBase64);
  const joined = new Uint8Array(keys.reduce((n, k) => n + k.length + 1, 0));
  let at = 0;
  for (const k of keys) {
    joined[at++] = k.length;
    joined.set(k, at);
    at += k.length;
  }
  const digest = new DataView(await crypto.subtle.digest('SHA-256', joined));
  const groups: string[] = [];
  for (let i = 0; i < 5; i++) groups.push(String(digest.getUint32(i * 4) % 10_000).padStart(4, '0'));
  return groups.join(' ');
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
