// Real WebRTC media for a simulated call leg (werift: ICE, DTLS-SRTP, RTP): the simulator
// sends "the caller's voice" (a 440 Hz tone at -16 dBFS while the leg is connected to
// someone, silence otherwise) and records what the browser sends, decoded, as a WAV with its
// energy, so tests can prove two-way audio. PCMU (alawmulaw) offered first, as the WebRTC
// template's `allow = ulaw,opus`, then Opus (opusscript: libopus in WebAssembly, coded at 8 kHz
// mono on the 48 kHz RTP clock), which a browser's own offer (its outbound calls) puts first;
// telephone-event (RFC 4733) at both clocks, offered and decoded.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import OpusScript from 'opusscript';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, TelephoneEventRtpPayload, useOPUS, usePCMU } from 'werift';
import { pcmWav } from '../wav.ts';

const require = createRequire(import.meta.url);
// alawmulaw ships CommonJS without an exports map; its ESM entry needs a bundler.
const { mulaw } = require('alawmulaw') as { mulaw: { encode(s: Int16Array): Uint8Array; decode(b: Uint8Array): Int16Array } };

export interface MediaStats {
  /** RTP packets received from the browser / sent to it (audio; telephone-event not counted). */
  packetsIn: number;
  /** RFC 4733 keys received (one per event, however many packets carried it). */
  rtpDtmf: number;
  /** The codec the leg sends with (`opus`, `pcmu`), once negotiated. */
  codec?: string;
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
  /** Sends a key as an RFC 4733 event in the stream (in place of voice while it lasts). */
  sendDtmf(digit: string, durationMs?: number): void;
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
  /** Audio codecs offered/accepted, in preference order (default PCMU then Opus, as the template). */
  codecs?: ('opus' | 'pcmu')[];
  /** A key the browser sent as an RFC 4733 event, once at its end (as Asterisk reports DTMF end). */
  onDtmf?: (digit: string, durationMs: number) => void;
}

/** Our payload types (Asterisk offers 101 for telephone-event/8000 too); a browser's offer may use others. */
const OPUS_PT = 111;
const PCMU_PT = 0;
const EVENT_PT: Record<number, number> = { 8000: 101, 48000: 110 };
const EVENT_DIGITS = '0123456789*#ABCD';

/** payload type → clock rate of every telephone-event in the SDP. */
function telephoneEventTypes(sdp: string): Map<number, number> {
  return new Map([...sdp.matchAll(/^a=rtpmap:(\d+) telephone-event\/(\d+)/gim)].map((m) => [Number(m[1]), Number(m[2])]));
}
/** The payload types the SDP maps to Opus. */
function opusTypes(sdp: string): number[] {
  return [...sdp.matchAll(/^a=rtpmap:(\d+) opus\/48000/gim)].map((m) => Number(m[1]));
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
    codecs: {
      audio: [
        ...(o.codecs ?? ['pcmu', 'opus']).map((c) => (c === 'opus' ? useOPUS({ payloadType: OPUS_PT }) : usePCMU())),
        ...Object.entries(EVENT_PT).map(([rate, pt]) => new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: Number(rate), payloadType: pt, parameters: '0-16' })),
      ],
      video: [],
    },
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: o.host },
    iceAdditionalHostAddresses: [o.host],
  });
  const track = new MediaStreamTrack({ kind: 'audio' });
  const voice = o.voice ?? toneVoice();
  let talking = false;
  let packetsIn = 0;
  let packetsOut = 0;
  let rtpDtmf = 0;
  const eventTypes = new Map(Object.entries(EVENT_PT).map(([rate, pt]) => [pt, Number(rate)]));
  const opusPts = new Set([OPUS_PT]);
  // Opus at 8 kHz mono on both sides of the codec: the energy, the WAV and the voice stay 8 kHz.
  let opusDec: OpusScript | undefined;
  let opusEnc: OpusScript | undefined;
  const learn = (sdp: string) => {
    for (const [pt, rate] of telephoneEventTypes(sdp)) eventTypes.set(pt, rate);
    for (const pt of opusTypes(sdp)) opusPts.add(pt);
  };
  // RFC 4733 §2.5.1.4: the end packet is sent three times; an event is its RTP timestamp.
  let lastEventTs: number | undefined;
  let offeredEvents: Map<number, number> | undefined;
  /** Keys queued to send: each becomes 20 ms packets of one event (same timestamp), the last three marked end. */
  const outEvents: { code: number; frames: number; sent: number; ts?: number }[] = [];
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
      if (closed) return;
      const rate = eventTypes.get(rtp.header.payloadType);
      if (rate) {
        if (rtp.payload.length < 4) return;
        const ev = TelephoneEventRtpPayload.deSerialize(rtp.payload);
        if (!ev.end || rtp.header.timestamp === lastEventTs) return; // not the end yet, or its repeat
        lastEventTs = rtp.header.timestamp;
        const digit = EVENT_DIGITS[ev.event];
        if (!digit) return; // events beyond DTMF (flash, tones): not keys
        rtpDtmf++;
        o.onDtmf?.(digit, Math.round((ev.duration / rate) * 1000));
        return;
      }
      let pcm: Int16Array;
      if (opusPts.has(rtp.header.payloadType)) {
        opusDec ??= new OpusScript(8000, 1, OpusScript.Application.VOIP);
        let out: Buffer;
        try { out = opusDec.decode(rtp.payload); } catch { return; } // a broken packet: not audio
        pcm = new Int16Array(out.length >> 1);
        for (let k = 0; k < pcm.length; k++) pcm[k] = out.readInt16LE(k * 2);
      } else if (rtp.header.payloadType === PCMU_PT) {
        pcm = mulaw.decode(rtp.payload);
      } else return; // comfort noise or anything else: not audio
      packetsIn++;
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
  // werift's sender stamps every packet with its primary codec's payload type: an event goes out
  // with the telephone-event codec in its place for that one (synchronous) dispatch, keeping the
  // stream's sequence numbers and timestamps.
  const sender = () => pc.getTransceivers()[0]?.sender;
  const sendEvent = (pkt: RtpPacket, pt: number, clock: number) => {
    const s = sender();
    if (!s) return;
    const audio = s.codec;
    s.codec = new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: clock, payloadType: pt });
    try { void s.sendRtp(pkt).catch(() => undefined); } finally { s.codec = audio; }
  };
  const silence = new Int16Array(FRAME);
  // 20 ms packetisation, the same pacing a phone uses.
  const timer = setInterval(() => {
    if (closed || pc.connectionState !== 'connected') return;
    const codec = sender()?.codec;
    const opus = codec?.name.toLowerCase() === 'opus';
    const step = opus ? 960 : FRAME; // 20 ms of the codec's RTP clock
    const ev = outEvents[0];
    if (ev) {
      // RFC 4733 §2.5: the event's timestamp is where it began; duration grows; E on the last three.
      // Its clock is the audio's (telephone-event/48000 beside Opus, /8000 beside PCMU).
      const clock = opus ? 48000 : 8000;
      const pt = [...(offeredEvents ?? eventTypes)].find(([, r]) => r === clock)?.[0] ?? EVENT_PT[clock]!;
      ev.ts ??= ts;
      const end = ev.sent >= ev.frames;
      const payload = new TelephoneEventRtpPayload({ event: ev.code, end, volume: 10, duration: Math.min((Math.min(ev.sent, ev.frames) + 1) * step, 0xffff) }).serialize();
      const header = new RtpHeader({ payloadType: pt, sequenceNumber: seq, timestamp: ev.ts >>> 0, ssrc, marker: ev.sent === 0 });
      seq = (seq + 1) & 0xffff;
      sendEvent(new RtpPacket(header, payload), pt, clock);
      if (++ev.sent >= ev.frames + 3) { outEvents.shift(); ts = (ev.ts + (ev.sent + 1) * step) >>> 0; }
      return;
    }
    const pcm = talking ? voice(frame++) : silence;
    let body: Buffer;
    if (opus) {
      if (!opusEnc) {
        opusEnc = new OpusScript(8000, 1, OpusScript.Application.VOIP);
        // OPUS_SET_COMPLEXITY 0: a test tone needs no quality, and the WebAssembly encoder at the
        // default 10 costs about 4.7 ms of CPU per 20 ms frame on this 2-core machine (load 23).
        opusEnc.encoderCTL(4010, 0);
      }
      body = Buffer.from(opusEnc.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), FRAME));
    } else body = Buffer.from(mulaw.encode(pcm));
    const header = new RtpHeader({ payloadType: codec?.payloadType ?? PCMU_PT, sequenceNumber: seq, timestamp: ts >>> 0, ssrc, marker: false });
    seq = (seq + 1) & 0xffff;
    ts = (ts + step) >>> 0;
    track.writeRtp(new RtpPacket(header, body));
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
      // We answer an offer: the offerer's payload types are the ones both sides use.
      learn(remoteSdp);
      offeredEvents = telephoneEventTypes(remoteSdp);
      await pc.setRemoteDescription({ type: 'offer', sdp: remoteSdp });
      ensureTransceiver();
      // The offerer's order wins, as Asterisk answers by default (incoming_offer_codec_prefs
      // prefer: pending): a browser's offer, Opus first, gets Opus.
      const order = [...remoteSdp.matchAll(/^a=rtpmap:\d+ ([\w-]+)\/(\d+)/gim)].map((m) => `${m[1]!.toLowerCase()}/${m[2]}`);
      const rank = (c: RTCRtpCodecParameters) => { const i = order.indexOf(`${c.name.toLowerCase()}/${c.clockRate}`); return i < 0 ? order.length : i; };
      const tr = pc.getTransceivers()[0];
      if (tr) tr.setCodecPreferences([...tr.codecs].sort((a, b) => rank(a) - rank(b)));
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered();
      return local();
    },
    async accept(remoteSdp) {
      learn(remoteSdp);
      await pc.setRemoteDescription({ type: 'answer', sdp: remoteSdp });
    },
    setTalking(on) { talking = on; },
    sendDtmf(digit, durationMs = 100) {
      const code = EVENT_DIGITS.indexOf(digit.toUpperCase());
      if (code < 0) throw new Error(`not a DTMF key: ${digit}`);
      outEvents.push({ code, frames: Math.max(1, Math.round(durationMs / 20)), sent: 0 });
    },
    localSdp: local,
    stats() {
      const rms = samples ? Math.sqrt(sumSq / samples) : 0;
      return {
        packetsIn, packetsOut, rtpDtmf, ...(sender()?.codec ? { codec: sender()!.codec!.name.toLowerCase() } : {}), rmsDbfs: rms > 0 ? 20 * Math.log10(rms / 32768) : -Infinity,
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
      opusDec?.delete(); opusEnc?.delete();
    },
  };
}
