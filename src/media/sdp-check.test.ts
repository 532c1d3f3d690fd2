import { describe, expect, it } from 'vitest';
import { answerProblem } from './sdp-check.ts';

const offer = ['v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'm=video 9 UDP/TLS/RTP/SAVPF 96 97', ''].join('\r\n');
const answer = (media: string[]) =>
  ['v=0', 'o=- 2 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'a=fingerprint:sha-256 AA:BB', ...media.flatMap((m) => [m, 'a=ice-ufrag:abcd', 'a=ice-pwd:0123456789012345678901'])].join('\r\n');

describe('answer check', () => {
  it('accepts an answer with the offer\'s m-lines, ICE credentials and a fingerprint', () => {
    expect(answerProblem(offer, answer(['m=audio 9 UDP/TLS/RTP/SAVPF 111', 'm=video 9 UDP/TLS/RTP/SAVPF 96']))).toBeNull();
  });

  it('says what is wrong with a broken one', () => {
    expect(answerProblem(offer, 'v=0\r\nthis is not sdp')).toMatch(/no "o=" line/);
    expect(answerProblem(offer, 'hello')).toMatch(/v=0/);
    expect(answerProblem(offer, answer(['m=audio 9 UDP/TLS/RTP/SAVPF 111']))).toMatch(/1 m= lines where the offer has 2/);
    expect(answerProblem(offer, answer(['m=video 9 UDP/TLS/RTP/SAVPF 96', 'm=audio 9 UDP/TLS/RTP/SAVPF 111']))).toMatch(/m= line 0 is video/);
    expect(answerProblem(offer, answer(['m=audio 9 UDP/TLS/RTP/SAVPF 111', 'm=video']))).toMatch(/malformed/);
    expect(answerProblem(offer, answer(['m=audio 9 UDP/TLS/RTP/SAVPF 111', 'm=video 9 UDP/TLS/RTP/SAVPF 96']).replace(/a=fingerprint[^\r]*\r\n/, ''))).toMatch(/fingerprint/);
  });
});
