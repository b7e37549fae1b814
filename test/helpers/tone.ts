// A test tone as Chromium's fake microphone (--use-file-for-fake-audio-capture) loops it.
import { writeFileSync } from 'node:fs';
import { pcmWav } from '../../src/sim/wav.ts';

/** 8 kHz mono 16-bit PCM samples of a sine at −12 dBFS (amplitude 8000). */
export function toneSamples(freq: number, seconds: number): Int16Array {
  const pcm = new Int16Array(8000 * seconds);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * freq * i) / 8000));
  return pcm;
}

/** The tone as an 8 kHz mono 16-bit WAV file. */
export function toneWav(path: string, freq: number, seconds: number): void {
  writeFileSync(path, pcmWav([toneSamples(freq, seconds)]));
}
