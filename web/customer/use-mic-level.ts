import { useEffect, useState } from 'preact/hooks';

/** How often the meter is redrawn, in milliseconds: smooth enough to see speech, cheap on a phone. */
const REDRAW_MS = 80;

/**
 * The loudness of a stream's microphone, 0…1, measured on the device with a Web Audio AnalyserNode; nothing is
 * recorded or sent. The analyser is not connected to the speakers, so the person does not hear themselves.
 * Returns 0 while there is no audio track.
 */
export function useMicLevel(stream: MediaStream | null): number {
  const [level, setLevel] = useState(0);

  useEffect(() => {
    setLevel(0);
    if (!stream || stream.getAudioTracks().length === 0) return;
    const context = new AudioContext();
    const source = context.createMediaStreamSource(stream);
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let frame = 0;
    let drawnAt = 0;
    const measure = (now: number) => {
      frame = requestAnimationFrame(measure);
      if (now - drawnAt < REDRAW_MS) return;
      drawnAt = now;
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      const rms = Math.sqrt(sum / samples.length);
      // Speech sits around 0.02–0.2 RMS; scale so normal talking fills most of the bar.
      setLevel(Math.min(1, rms * 5));
    };
    frame = requestAnimationFrame(measure);
    // The page reaches this step by a click, so the browser lets the context run; resume() makes sure.
    context.resume().catch(() => undefined);
    return () => {
      cancelAnimationFrame(frame);
      source.disconnect();
      void context.close();
    };
  }, [stream]);

  return level;
}
