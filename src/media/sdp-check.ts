/**
 * A structural check of a client's answer against the server's offer, before werift sees it. werift 0.25.2
 * applies an answer without validating it: `setRemoteDescription({ type: 'answer', sdp: 'v=0\r\nthis is not sdp' })`
 * resolves, the signalling state goes back to stable, and the connection only fails seconds later — so the client
 * would be dropped with a confusing reason instead of being told its answer is broken.
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
