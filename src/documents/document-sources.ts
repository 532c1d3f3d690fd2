import type { CallTypeView } from '../call-types/call-type.schema.ts';
import { listCallTypes } from '../call-types/list-call-types.ts';
import type { DbOrTx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { getLatestPublishedNotice } from '../notices/get-notice.ts';
import type { NoticeView } from '../notices/notice.schema.ts';
import type { OrganisationView } from '../organisations/organisation.schema.ts';
import { getOrganisation } from '../organisations/organisations.ts';
import { getProcessor } from '../organisations/processor.ts';
import type { ProcessorView } from '../organisations/processor.schema.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId } from '../shared/ids.ts';
import type { BlobLocation } from '../storage/blob-store.ts';
import { getDpiaState, type DpiaState } from './dpia-review.ts';
import { listSubProcessors } from './sub-processors.ts';
import type { SubProcessorView } from './sub-processor.schema.ts';

/** Which configuration a document was generated from: the organisation's configVersion and each call type's version. */
export interface ConfigStamp {
  readonly configVersion: number;
  readonly callTypes: readonly { readonly id: string; readonly name: string; readonly version: number }[];
  /**
   * Compact and stable, e.g. `org v3; ct_… v2, ct_… v1`: for programs (the `x-parley-config-version` header, the
   * DPIA approval record). People read `describeStamp` instead.
   */
  readonly label: string;
}

/** Everything a document is generated from, read live at generation time. */
export interface DocumentSources {
  readonly organisation: OrganisationView;
  /** Active call types (archived ones no longer process new data). */
  readonly callTypes: readonly CallTypeView[];
  readonly notice: NoticeView | null;
  readonly subProcessors: readonly SubProcessorView[];
  readonly blobLocation: BlobLocation;
  /** The processor as this organisation names it, falling back to the installation's PARLEY_OPERATOR_* settings. */
  readonly processor: ProcessorView;
  /** The settings that are measures (Art. 32): what the documents state about access, purge and links. */
  readonly settings: {
    readonly purgeIntervalHours: number;
    readonly trainingValidDays: number;
    readonly recordingLinkMinutes: number;
    readonly sessionTtlHours: number;
    readonly loginMaxFailures: number;
    readonly loginLockoutMinutes: number;
    readonly mailRetentionDays: number;
    readonly turnConfigured: boolean;
    readonly publicUrlHttps: boolean;
  };
  readonly dpia: DpiaState;
  readonly stamp: ConfigStamp;
  readonly generatedAt: string;
  /** PARLEY_TIME_ZONE: the zone dates are written in. */
  readonly timeZone: string;
}

export function configStamp(organisation: OrganisationView, callTypes: readonly CallTypeView[]): ConfigStamp {
  const cts = [...callTypes].sort((a, b) => a.id.localeCompare(b.id)).map((c) => ({ id: c.id, name: c.name, version: c.version }));
  return {
    configVersion: organisation.configVersion,
    callTypes: cts,
    label: `org v${organisation.configVersion}; ${cts.map((c) => `${c.id} v${c.version}`).join(', ') || 'no call types'}`,
  };
}

export async function loadDocumentSources(deps: Pick<Deps, 'config' | 'clock' | 'blobs'>, db: DbOrTx, orgId: OrgId): Promise<DocumentSources> {
  const organisation = await getOrganisation(db, orgId);
  const callTypes = await listCallTypes(db, orgId, { status: 'active' });
  const { config } = deps;
  return {
    organisation,
    callTypes,
    notice: await getLatestPublishedNotice(db, orgId),
    subProcessors: await listSubProcessors(db, orgId),
    blobLocation: deps.blobs.location,
    processor: await getProcessor(deps, db, orgId),
    settings: {
      purgeIntervalHours: config.retention.purgeIntervalHours,
      trainingValidDays: config.recording.trainingValidDays,
      recordingLinkMinutes: config.recording.linkMinutes,
      sessionTtlHours: config.auth.sessionTtlHours,
      loginMaxFailures: config.auth.loginMaxFailures,
      loginLockoutMinutes: config.auth.loginLockoutMinutes,
      mailRetentionDays: config.mail.retentionDays,
      turnConfigured: config.rtc.turn !== undefined,
      publicUrlHttps: config.publicUrl.startsWith('https:'),
    },
    dpia: await getDpiaState(db, orgId),
    stamp: configStamp(organisation, callTypes),
    generatedAt: iso(deps.clock.now()),
    timeZone: config.timeZone,
  };
}
