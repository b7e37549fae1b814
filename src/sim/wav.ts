// Just enough RIFF/WAVE handling for the simulator: the length of a prompt from its header,
// and a valid silent WAV for recordings (8 kHz mono 16-bit, what Asterisk's "wav" is).

/** Duration in ms of a PCM WAV, from the fmt and data chunk headers; undefined if not a WAV. */
export function wavDurationMs(buf: Uint8Array): number | undefined {
  if (buf.length < 12) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = (o: number) => String.fromCharCode(buf[o] ?? 0, buf[o + 1] ?? 0, buf[o + 2] ?? 0, buf[o + 3] ?? 0);
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return undefined;
  let off = 12;
  let byteRate = 0;
  while (off + 8 <= buf.length) {
    const id = tag(off);
    const size = view.getUint32(off + 4, true);
    if (id === 'fmt ' && off + 16 <= buf.length) byteRate = view.getUint32(off + 8 + 8, true);
    if (id === 'data') {
      if (!byteRate) return undefined;
      // A streaming writer may leave the size as 0xFFFFFFFF: fall back to the bytes present.
      const bytes = size === 0xffffffff ? buf.length - off - 8 : size;
      return Math.round((bytes / byteRate) * 1000);
    }
    off += 8 + size + (size % 2);
  }
  return undefined;
}

/** 8 kHz mono 16-bit PCM WAV of the given samples (in order). */
export function pcmWav(chunks: readonly Int16Array[]): Buffer {
  const rate = 8000;
  const dataBytes = chunks.reduce((a, c) => a + c.length, 0) * 2;
  const b = Buffer.alloc(44 + dataBytes);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + dataBytes, 4);
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(dataBytes, 40);
  let off = 44;
  for (const c of chunks) for (const v of c) { b.writeInt16LE(v, off); off += 2; }
  return b;
}

/** A silent 8 kHz mono 16-bit PCM WAV of the given length. */
export function silentWav(durationMs: number): Buffer {
  return pcmWav([new Int16Array(Math.max(0, Math.round((durationMs / 1000) * 8000)))]);
}
