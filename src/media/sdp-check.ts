/** The direction the answer gives each m-line, by mid (`sendrecv` when it names none, as RFC 4566 says). */
export function answerDirections(sdp: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const mid = /^a=mid:(\S+)/m.exec(section)?.[1];
    if (mid === undefined) continue;
    const direction = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(section)?.[1] ?? 'sendrecv';
    out.set(mid, /^\S+ 0 /.test(section) ? 'inactive' : direction);
  }
  return out;
}

/**
 * A structural check of a client's answer against the server's offer, before libdatachannel sees it: an answer
 * whose m-lines do not pair with the offer's would be applied as far as it goes and fail later, and the client would
 * be dropped with a confusing reason instead of being told its answer is broken.
 *
 * Returns why the answer is unusable, or null.
 */
export function answerProblem(offerSdp: string, answerSdp: string): string | null {
  const lines = answerSdp.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== 'v=0') return 'it does not start with "v=0"';
  for (const field of ['o=', 's=', 't=']) {
    if (!lines.some((l) => l.startsWith(field))) return `it has no "${field}" line`;
  }
  const offerKinds = mediaKinds(offerSdp);
  const answerKinds = mediaKinds(answerSdp);
  if (answerKinds === null) return 'an m= line is malformed';
  if (offerKinds === null || answerKinds.length !== offerKinds.length) {
    return `it has ${answerKinds.length} m= lines where the offer has ${offerKinds?.length ?? 0}`;
  }
  const mismatch = answerKinds.findIndex((kind, i) => kind !== offerKinds[i]);
  if (mismatch >= 0) return `m= line ${mismatch} is ${answerKinds[mismatch]} where the offer has ${offerKinds[mismatch]}`;
  for (const attribute of ['a=ice-ufrag:', 'a=ice-pwd:', 'a=fingerprint:']) {
    if (!lines.some((l) => l.startsWith(attribute))) return `it has no "${attribute.slice(0, -1)}" attribute`;
  }
  return null;
}

function mediaKinds(sdp: string): string[] | null {
  const kinds: string[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (!line.startsWith('m=')) continue;
    const m = /^m=(audio|video|application) \d+ \S+( \S+)*$/.exec(line);
    if (!m) return null;
    kinds.push(m[1]!);
  }
  return kinds;
}
