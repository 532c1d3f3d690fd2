/** The process holding a capture is gone (its media worker died): the track is recovered from what reached the store. */
export class CaptureLostError extends Error {
  constructor() {
    super('the media worker holding this capture is gone');
    this.name = 'CaptureLostError';
  }
}
