import type { Db } from '../db/database.ts';
import type { E2eeUploads, E2eeUploadService, UploadCaller, UploadStatus } from '../recording/e2ee-uploads.ts';
import type { TrackEnvelope } from '../recording/recording.schema.ts';
import type { ClusterNode } from './cluster-node.ts';

interface TrackParams {
  readonly caller: UploadCaller;
  readonly trackId: string;
}

/**
 * The E2EE track uploads of a cluster (issue 14, item 4). The recording agent's browser sends its chunks to whichever
 * node the load balancer picks; the upload is open on the node hosting the call (its recording opened it). A node
 * that does not hold the track asks the hosting node to take the request, over Redis, and answers with what that
 * node answered (its errors included). The chunks stay ciphertext all the way, as on one node.
 */
export class ClusterE2eeUploads implements E2eeUploadService {
  constructor(
    private readonly local: E2eeUploads,
    private readonly node: ClusterNode,
    private readonly db: Db,
  ) {
    node.handle('e2ee.status', async (p) => local.status((p as TrackParams).caller, (p as TrackParams).trackId));
    node.handle('e2ee.envelope', async (p) => {
      const { caller, trackId, envelope } = p as TrackParams & { envelope: TrackEnvelope };
      await local.setEnvelope(caller, trackId, envelope);
    });
    node.handle('e2ee.chunk', async (p) => {
      const { caller, trackId, index, last, data } = p as TrackParams & { index: number; last: boolean; data: string };
      local.putChunk(caller, trackId, index, last, Buffer.from(data, 'base64'));
    });
  }

  /** The node holding the track's upload when it is not this one; null: this node answers (or says it is unknown). */
  async #host(caller: UploadCaller, trackId: string): Promise<string | null> {
    if (this.local.knows(trackId)) return null;
    const row = await this.db.selectFrom('recording_tracks').select('call_id').where('org_id', '=', caller.orgId).where('id', '=', trackId).executeTakeFirst();
    if (!row) return null;
    const host = await this.node.hostOf(row.call_id);
    return host && host !== this.node.id ? host : null;
  }

  async status(caller: UploadCaller, trackId: string): Promise<UploadStatus> {
    const host = await this.#host(caller, trackId);
    return host ? ((await this.node.request(host, 'e2ee.status', { caller, trackId })) as UploadStatus) : this.local.status(caller, trackId);
  }

  async setEnvelope(caller: UploadCaller, trackId: string, envelope: TrackEnvelope): Promise<void> {
    const host = await this.#host(caller, trackId);
    if (host) await this.node.request(host, 'e2ee.envelope', { caller, trackId, envelope });
    else await this.local.setEnvelope(caller, trackId, envelope);
  }

  async putChunk(caller: UploadCaller, trackId: string, index: number, last: boolean, ciphertext: Buffer | null): Promise<void> {
    const host = ciphertext === null ? null : await this.#host(caller, trackId);
    if (host) await this.node.request(host, 'e2ee.chunk', { caller, trackId, index, last, data: ciphertext!.toString('base64') }, 15_000);
    else this.local.putChunk(caller, trackId, index, last, ciphertext);
  }
}
