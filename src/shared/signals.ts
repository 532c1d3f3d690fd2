import { TypedEmitter } from './typed-emitter.ts';

/**
 * In-process notifications between capabilities that must not import each other: a use case emits after its
 * transaction committed, a long-lived owner (the call hub) listens. Ids only. One instance per Parley (Deps).
 */
export type ParleySignalMap = {
  /** A consent was withdrawn outside the call (the join page): a live recording must stop capturing that person. */
  consentWithdrawn: [{ readonly orgId: string; readonly callId: string; readonly participantId: string; readonly purpose: string }];
  /** A retention purge run ended on this node (metrics count it): how many items it deleted and kept; counts only. */
  purgeFinished: [{ readonly result: 'ok' | 'failed'; readonly deleted: number; readonly kept: number }];
};

export class ParleySignals extends TypedEmitter<ParleySignalMap> {}
