import { describe, expect, it } from 'vitest';
import { clearHeaderBytes, decryptFrame, encryptFrame, frameKeyId, importMediaKey, newSendKey } from '../../web/customer/call/e2ee/frame-crypto.ts';
import { safetyCode } from '../../web/customer/call/e2ee/safety-code.ts';

const frame = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

describe('E2EE frame encryption', () => {
  it('keeps the codec header in the clear, hides the rest, and decrypts with the same key only', async () => {
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const send = await newSendKey(42, raw);
    const clear = frame(500);
    const sealed = await encryptFrame(clear, clearHeaderBytes('video', true), send);
    expect(sealed.subarray(0, 10)).toEqual(clear.subarray(0, 10));
    expect(Buffer.from(sealed).includes(Buffer.from(clear.subarray(10, 40)))).toBe(false);
    expect(frameKeyId(sealed)).toBe(42);
    expect(await decryptFrame(sealed, await importMediaKey(raw))).toEqual(clear);
    expect(await decryptFrame(sealed, await importMediaKey(crypto.getRandomValues(new Uint8Array(32))))).toBeNull();
    // The clear header is authenticated: altering it makes the frame fail, as does a flipped payload bit.
    const altered = sealed.slice();
    altered[1] = (altered[1] ?? 0) ^ 1;
    expect(await decryptFrame(altered, await importMediaKey(raw))).toBeNull();
    expect(await decryptFrame(clear, await importMediaKey(raw))).toBeNull();
  });

  it('never repeats an IV under one key, across frames and tracks', async () => {
    const send = await newSendKey(1, crypto.getRandomValues(new Uint8Array(32)));
    const ivs = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const sealed = await encryptFrame(frame(20 + i), clearHeaderBytes(i % 2 ? 'audio' : 'video', false), send);
      ivs.add(Buffer.from(sealed.subarray(sealed.length - 17, sealed.length - 5)).toString('hex'));
    }
    expect(ivs.size).toBe(50);
  });
});

describe('E2EE safety code', () => {
  it('is five groups of four digits, the same whatever the order of the keys, and changes with any key', async () => {
    const a = Buffer.alloc(65, 1).toString('base64');
    const b = Buffer.alloc(65, 2).toString('base64');
    const c = Buffer.alloc(65, 3).toString('base64');
    const code = await safetyCode([a, b]);
    expect(code).toMatch(/^\d{4} \d{4} \d{4} \d{4} \d{4}$/);
    expect(await safetyCode([b, a])).toBe(code);
    expect(await safetyCode([a, c])).not.toBe(code);
  });
});
