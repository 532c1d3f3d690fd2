import yauzl from 'yauzl';

/** Every file of a ZIP (an access export), by name. */
export async function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(bytes);
  const files = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) {
    if (entry.fileName.endsWith('/')) continue;
    const stream = await zip.openReadStreamPromise(entry);
    const parts: Buffer[] = [];
    for await (const p of stream) parts.push(p as Buffer);
    files.set(entry.fileName, Buffer.concat(parts));
  }
  return files;
}
