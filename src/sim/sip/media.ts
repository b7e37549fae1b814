// Real WebRTC media for a simulated call leg (werift: ICE, DTLS-SRTP, RTP): the simulator
// sends "the caller's voice" (a 440 Hz tone at -16 dBFS while the leg is connected to
// someone, silence otherwise) and records what the browser sends, decoded, as a WAV with its
// energy, so tests can prove two-way audio. PCMU only (G.711 µ-law via alawmulaw).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, usePCMU } from 'werift';

const require = createRequire(import.meta.url);
// alawmulaw ships CommonJS without an exports map; its ESM entry needs a bundler.
const { mulaw } = require('alawmulaw') as { mulaw: { encode(s: Int16Array): Uint8Array; decode(b: Uint8Array): Int16Array } };

export interface MediaStats {
  /** RTP packets received from the browser / sent to it. */
  packetsIn: number;
  packetsOut: number;
  /** RMS of the received audio in dBFS (-Infinity: silence or nothing). */
  rmsDbfs: number;
  /** ms of audio received. */
  receivedMs: number;
  connectionState: string;
  /** Where the received audio was written (after close). */
  wavPath?: string;
}

export interface MediaLeg {
  /** Our SDP offer (INVITE to the browser). */
  offer(): Promise<string>;
  /** Our SDP answer to the browser's offer (its INVITE or re-INVITE). */
  answer(remoteSdp: string): Promise<string>;
  /** The browser's answer to our offer. */
  accept(remoteSdp: string): Promise<void>;
  /** Connected to a peer (bridged): send the caller's voice; otherwise silence. */
  setTalking(on: boolean): void;
  /** The current local description (loopback candidates only). */
  localSdp(): string;
  stats(): MediaStats;
  close(): Promise<void>;
}

export interface MediaOptions {
  /** The only address offered as an ICE candidate (loopback unless configured). */
  host: string;
  /** Received audio goes here as an 8 kHz 16-bit mono WAV when the leg closes. */
  wavPath: string;
  /** The caller's voice: 160-sample frames (20 ms); default a 440 Hz tone. */
  voice?: (frameIndex: number) => Int16Array;
}

const FRAME = 160;
/** 10 minutes of 8 kHz audio kept for the WAV of a leg. */
const MAX_RECORDED_SAMPLES = 8000 * 600;

export function toneVoice(freq = 440, amplitude = 5000): (i: number) => Int16Array {
  return (i) => {
    const f = new Int16Array(FRAME);
    for (let k = 0; k < FRAME; k++) f[k] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * (i * FRAME + k)) / 8000));
    return f;
  };
}

/** Keeps only our own candidates on the configured host (nothing advertised beyond it). */
function onlyHost(sdp: string, host: string): string {
  return sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:') || l.split(' ')[4] === host).join('\r\n');
}

export function createMediaLeg(o: MediaOptions): MediaLeg {
  const pc = new RTCPeerConnection({
    codecs: { audio: [usePCMU()], video: [] },
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: o.host },
    iceAdditionalHostAddresses: [o.host],
  });
  const track = new MediaStreamTrack({ kind: 'audio' });
  const voice = o.voice ?? toneVoice();
  let talking = false;
  let packetsIn = 0;
  let packetsOut = 0;
  let sumSq = 0;
  let samples = 0;
  const chunks: Int16Array[] = [];
  let kept = 0;
  let closed = false;
  let transceiverReady = false;

  const ensureTransceiver = () => {
    if (transceiverReady) return;
    transceiverReady = true;
    const tr = pc.getTransceivers()[0] ?? pc.addTransceiver(track, { direction: 'sendrecv' });
    // A transceiver made by the remote offer starts recvonly: we send too (the answer intersects).
    tr.setDirection('sendrecv');
    if (tr.sender.track !== track) void tr.sender.replaceTrack(track);
  };
  // Subscribed before any description is set: the remote track appears during setRemoteDescription.
  const receiving = new Set<MediaStreamTrack>();
  pc.onTrack.subscribe((t) => {
    if (receiving.has(t)) return;
    receiving.add(t);
    t.onReceiveRtp.subscribe((rtp) => {
      if (closed || rtp.header.payloadType !== 0) return; // telephone-event or comfort noise: not audio
      packetsIn++;
      const pcm = mulaw.decode(rtp.payload);
      // Energy counts the whole call; the WAV keeps the first MAX_RECORDED_SAMPLES (bounded memory).
      if (kept < MAX_RECORDED_SAMPLES) { chunks.push(pcm); kept += pcm.length; }
      for (const s of pcm) sumSq += s * s;
      samples += pcm.length;
    });
  });

  let seq = Math.floor(Math.random() * 0xffff);
  let ts = Math.floor(Math.random() * 0xffffffff);
  const ssrc = Math.floor(Math.random() * 0xffffffff);
  let frame = 0;
  const silence = new Int16Array(FRAME);
  // 20 ms packetisation, the same pacing a phone uses.
  const timer = setInterval(() => {
    if (closed || pc.connectionState !== 'connected') return;
    const pcm = talking ? voice(frame++) : silence;
    const header = new RtpHeader({ payloadType: 0, sequenceNumber: seq, timestamp: ts >>> 0, ssrc, marker: false });
    seq = (seq + 1) & 0xffff;
    ts = (ts + FRAME) >>> 0;
    track.writeRtp(new RtpPacket(header, Buffer.from(mulaw.encode(pcm))));
    packetsOut++;
  }, 20);
  timer.unref?.();

  const gathered = async () => {
    if (pc.iceGatheringState === 'complete') return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 3000);
      pc.iceGatheringStateChange.subscribe((s) => { if (s === 'complete') { clearTimeout(t); resolve(); } });
    });
  };
  const local = () => onlyHost(pc.localDescription?.sdp ?? '', o.host);

  return {
    async offer() {
      ensureTransceiver();
      await pc.setLocalDescription(await pc.createOffer());
      await gathered();
      return local();
    },
    async answer(remoteSdp) {
      await pc.setRemoteDescription({ type: 'offer', sdp: remoteSdp });
      ensureTransceiver();
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered();
      return local();
    },
    async accept(remoteSdp) {
      await pc.setRemoteDescription({ type: 'answer', sdp: remoteSdp });
    },
    setTalking(on) { talking = on; },
    localSdp: local,
    stats() {
      const rms = samples ? Math.sqrt(sumSq / samples) : 0;
      return {
        packetsIn, packetsOut, rmsDbfs: rms > 0 ? 20 * Math.log10(rms / 32768) : -Infinity,
        receivedMs: Math.round((samples / 8000) * 1000), connectionState: pc.connectionState,
        ...(closed ? { wavPath: o.wavPath } : {}),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      writeFileSync(o.wavPath, pcmWav(chunks));
      await pc.close().catch(() => undefined);
    },
  };
}

/** 8 kHz mono 16-bit PCM WAV of the received frames. */
export function pcmWav(chunks: Int16Array[]): Buffer {
  const n = chunks.reduce((a, c) => a + c.length, 0);
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0, 'ascii'); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii'); b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24); b.writeUInt32LE(16000, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii'); b.writeUInt32LE(n * 2, 40);
  let off = 44;
  for (const c of chunks) for (const s of c) { b.writeInt16LE(s, off); off += 2; }
  return b;
}
