import { Readable } from 'node:stream';

/**
 * Streams decrypted pieces to a client without ever sending bytes that failed to verify. The first piece is
 * decrypted before this resolves, so an integrity failure there rejects and the caller can still answer with an
 * error status. A failure later, after headers and earlier bytes went out, is reported to `onLateFailure` and
 * errors the stream: the server cuts the connection and the client sees a broken transfer, never wrong bytes.
 */
export async function verifiedStream(pieces: AsyncGenerator<Buffer>, onLateFailure: (err: unknown) => void): Promise<Readable> {
  const first = await pieces.next();
  async function* rest(): AsyncGenerator<Buffer> {
    if (first.done) return;
    yield first.value;
    try {
      for (;;) {
        const next = await pieces.next();
        if (next.done) return;
        yield next.value;
      }
    } catch (err) {
      onLateFailure(err);
      throw err;
    } finally {
      await pieces.return(undefined);
    }
  }
  return Readable.from(rest(), { objectMode: false });
}
