/**
 * The audible recording cue (G18): two short rising beeps when recording starts, two falling ones when it stops.
 * Generated with the Web Audio API, so there is no audio file to fetch and nothing leaves the page.
 *
 * Each cue is also appended to `document.body.dataset.recordingCues` (a comma-separated list such as
 * "start,stop"), because a browser test cannot hear; it is written even when the browser keeps audio suspended.
 */

export type RecordingCue = 'start' | 'stop';

/** Hz of the two beeps: a fifth apart, low → high for start, high → low for stop. */
const LOW_HZ = 660;
const HIGH_HZ = 990;
/** Length of one beep and the pause between the two, in seconds. */
const BEEP_S = 0.14;
const GAP_S = 0.08;
/** Peak gain: audible over speech without startling. */
const VOLUME = 0.18;
/** Fade in and out, in seconds, so the beeps do not click. */
const RAMP_S = 0.015;

export interface CuePlayer {
  play(cue: RecordingCue): void;
  /** Frees the audio context; safe to call twice. */
  close(): void;
}

/**
 * A player owning one AudioContext, made on the first cue: by then the person has clicked (joined the call), so
 * the browser's autoplay policy lets it run. Where audio is unavailable the cue is silent; the visible indicator
 * is what never fails.
 */
export function createCuePlayer(): CuePlayer {
  let context: AudioContext | null = null;
  let closed = false;
  return {
    play(cue) {
      const body = document.body;
      body.dataset.recordingCues = body.dataset.recordingCues ? `${body.dataset.recordingCues},${cue}` : cue;
      if (closed || typeof AudioContext === 'undefined') return;
      try {
        context ??= new AudioContext();
        if (context.state === 'suspended') void context.resume().catch(() => undefined);
        const start = context.currentTime + 0.02;
        const [first, second] = cue === 'start' ? [LOW_HZ, HIGH_HZ] : [HIGH_HZ, LOW_HZ];
        beep(context, first, start);
        beep(context, second, start + BEEP_S + GAP_S);
      } catch {
        // No audio output (or a browser without Web Audio): the indicator still shows the change.
      }
    },
    close() {
      if (closed) return;
      closed = true;
      void context?.close().catch(() => undefined);
      context = null;
    },
  };
}

function beep(context: AudioContext, hz: number, at: number): void {
  const oscillator = new OscillatorNode(context, { type: 'sine', frequency: hz });
  const gain = new GainNode(context, { gain: 0 });
  gain.gain.setValueAtTime(0, at);
  gain.gain.linearRampToValueAtTime(VOLUME, at + RAMP_S);
  gain.gain.setValueAtTime(VOLUME, at + BEEP_S - RAMP_S);
  gain.gain.linearRampToValueAtTime(0, at + BEEP_S);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start(at);
  oscillator.stop(at + BEEP_S);
  oscillator.onended = () => {
    oscillator.disconnect();
    gain.disconnect();
  };
}
