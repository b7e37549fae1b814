// The agent console's softphone: JsSIP registered to the agent's PJSIP endpoint over
// WebSocket, with credentials the app issues (POST /api/agents/:id/softphone, rotated each
// time, never typed). One call at a time, as an agent handles one ACD offer at a time; a
// second INVITE while busy is answered 486. Registration is kept up by JsSIP (socket
// recovery, re-REGISTER before expiry); a REGISTER refused for authentication fetches new
// credentials once (Asterisk restarted and lost the in-memory auth, or another tab rotated
// them). No framework here: the Preact component renders `state` and calls the actions.
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { UA } from 'jssip/lib/UA';

export interface SoftphoneCredentials {
  wsUrl: string;
  uri: string;
  authorizationUser: string;
  password: string;
  displayName: string;
  endpoint: string;
  registerExpires: number;
}

/** `none`: this agent has no browser phone (a desk phone, or no softphone on this PBX). */
export type Registration = 'off' | 'none' | 'connecting' | 'registered' | 'unregistered' | 'failed';

/** Server answers meaning "no softphone for this agent", not a fault. */
const NO_SOFTPHONE = new Set(['SOFTPHONE_NOT_WEBRTC', 'SOFTPHONE_NOT_CONFIGURED', 'SOFTPHONE_NOT_PJSIP', 'SOFTPHONE_NO_ENDPOINT']);

export interface SoftphoneCall {
  direction: 'incoming' | 'outgoing';
  /** The other party as SIP shows it (number or user). */
  remote: string;
  remoteName?: string;
  state: 'ringing' | 'connecting' | 'connected';
  held: boolean;
  muted: boolean;
  /** ms (the injected clock) when it was answered: the call timer. */
  answeredAt?: number;
  /** Received audio level (0..1) from the browser's RTP statistics, while connected. */
  rxLevel?: number;
}

export interface MissedCall { remote: string; remoteName?: string; at: number }

export interface SoftphoneState {
  registration: Registration;
  /** Why the registration failed or dropped, in JsSIP's words. */
  reason?: string;
  call?: SoftphoneCall;
  missed: MissedCall[];
  /** getUserMedia refused: no call can be answered until the agent allows the microphone. */
  micBlocked: boolean;
}

export interface SoftphoneOptions {
  credentials(): Promise<SoftphoneCredentials>;
  /** Plays the far end; it must stay in the document. */
  audio: HTMLAudioElement;
  onChange(s: SoftphoneState): void;
  now(): number;
  /** Microphone (deviceId from enumerateDevices); undefined = the default one. */
  micDeviceId?: () => string | undefined;
}

export interface Softphone {
  readonly state: SoftphoneState;
  start(): Promise<void>;
  stop(): void;
  /** Registers again now (the indicator's button). */
  reRegister(): void;
  answer(): void;
  hangup(): void;
  dtmf(digit: string): void;
  mute(on: boolean): void;
  hold(on: boolean): void;
  /** An outbound call through the PBX (its dialplan applies the toll-fraud rules). */
  dial(target: string): void;
  clearMissed(): void;
}

const userOf = (uri: { user?: string | null } | undefined): string => uri?.user ?? '';

export function createSoftphone(o: SoftphoneOptions): Softphone {
  const state: SoftphoneState = { registration: 'off', missed: [], micBlocked: false };
  let ua: UA | undefined;
  let session: RTCSession | undefined;
  let creds: SoftphoneCredentials | undefined;
  let refreshedAfterAuthFailure = false;
  let statsTimer: ReturnType<typeof setInterval> | undefined;
  let ring: { stop(): void } | undefined;
  let jssip: typeof import('jssip') | undefined;

  const emit = () => o.onChange({ ...state, ...(state.call ? { call: { ...state.call } } : {}), missed: [...state.missed] });
  const set = (patch: Partial<SoftphoneState>) => { Object.assign(state, patch); emit(); };
  const setCall = (patch: Partial<SoftphoneCall> | undefined) => {
    if (patch === undefined) { delete state.call; emit(); return; }
    state.call = { ...(state.call ?? { direction: 'incoming', remote: '', state: 'ringing', held: false, muted: false }), ...patch };
    emit();
  };
  const mediaConstraints = () => {
    const id = o.micDeviceId?.();
    return { audio: id ? { deviceId: { exact: id } } : true, video: false };
  };

  function attachAudio(s: RTCSession): void {
    const play = (stream: MediaStream | undefined) => {
      if (!stream) return;
      o.audio.srcObject = stream;
      void o.audio.play().catch(() => undefined);
    };
    const hook = (pc: RTCPeerConnection) => pc.addEventListener('track', (e) => play(e.streams[0]));
    if (s.connection) hook(s.connection);
    s.on('peerconnection', (e: { peerconnection: RTCPeerConnection }) => hook(e.peerconnection));
  }

  function watchLevel(s: RTCSession): void {
    clearInterval(statsTimer);
    statsTimer = setInterval(() => {
      const pc = s.connection;
      if (!pc || !state.call || state.call.state !== 'connected') return;
      void pc.getStats().then((report) => {
        report.forEach((st: { type: string; kind?: string; audioLevel?: number }) => {
          if (st.type === 'inbound-rtp' && (st.kind ?? 'audio') === 'audio' && typeof st.audioLevel === 'number' && state.call) setCall({ rxLevel: st.audioLevel });
        });
      });
    }, 500);
  }

  function ended(s: RTCSession, missed: boolean): void {
    if (session !== s) return;
    session = undefined;
    ring?.stop();
    ring = undefined;
    clearInterval(statsTimer);
    if (missed && state.call) state.missed = [{ remote: state.call.remote, ...(state.call.remoteName ? { remoteName: state.call.remoteName } : {}), at: o.now() }, ...state.missed].slice(0, 20);
    o.audio.srcObject = null;
    setCall(undefined);
  }

  function track(s: RTCSession, direction: 'incoming' | 'outgoing'): void {
    session = s;
    const remote = s.remote_identity;
    setCall({ direction, remote: userOf(remote?.uri), ...(remote?.display_name ? { remoteName: remote.display_name } : {}), state: direction === 'incoming' ? 'ringing' : 'connecting', held: false, muted: false });
    attachAudio(s);
    if (direction === 'incoming') ring = ringtone();
    s.on('accepted', () => { ring?.stop(); ring = undefined; setCall({ state: 'connected', answeredAt: o.now() }); watchLevel(s); });
    s.on('confirmed', () => { if (state.call?.state !== 'connected') setCall({ state: 'connected', answeredAt: state.call?.answeredAt ?? o.now() }); });
    s.on('hold', () => setCall({ held: true }));
    s.on('unhold', () => setCall({ held: false }));
    s.on('muted', () => setCall({ muted: true }));
    s.on('unmuted', () => setCall({ muted: false }));
    s.on('ended', () => ended(s, false));
    // Failed before it was answered: the caller went (CANCEL) or the PBX gave up → missed.
    s.on('failed', (e: { originator: string; cause: string }) => ended(s, direction === 'incoming' && state.call?.state === 'ringing' && e.originator !== 'local'));
  }

  async function connect(): Promise<void> {
    jssip ??= await import('jssip');
    creds = await o.credentials();
    const socket = new jssip.WebSocketInterface(creds.wsUrl);
    const u = new jssip.UA({
      sockets: [socket], uri: creds.uri, authorization_user: creds.authorizationUser, password: creds.password,
      display_name: creds.displayName, register: true, register_expires: creds.registerExpires, session_timers: false,
      user_agent: 'centralita-console',
    });
    ua = u;
    u.on('connecting', () => { if (state.registration !== 'registered') set({ registration: 'connecting' }); });
    u.on('registered', () => { refreshedAfterAuthFailure = false; set({ registration: 'registered', reason: undefined }); });
    u.on('unregistered', () => set({ registration: 'unregistered' }));
    u.on('disconnected', () => { if (ua === u) set({ registration: 'unregistered', reason: 'connection lost' }); });
    u.on('registrationFailed', (e: { cause?: string }) => {
      set({ registration: 'failed', reason: e.cause ?? 'registration failed' });
      // Refused credentials: ask the app for fresh ones, once in a row.
      if (e.cause === jssip!.C.causes.AUTHENTICATION_ERROR && !refreshedAfterAuthFailure && ua === u) {
        refreshedAfterAuthFailure = true;
        restart();
      }
    });
    u.on('newRTCSession', (e: { originator: string; session: RTCSession; request: unknown }) => {
      if (e.originator !== 'remote') return;
      if (session) { e.session.terminate({ status_code: 486, reason_phrase: 'Busy Here' }); return; }
      track(e.session, 'incoming');
    });
    u.start();
  }

  function restart(): void {
    const old = ua;
    ua = undefined;
    old?.stop();
    void connect().catch((err: unknown) => set({ registration: 'failed', reason: err instanceof Error ? err.message : String(err) }));
  }

  return {
    state,
    async start() {
      if (ua) return;
      set({ registration: 'connecting' });
      try {
        await connect();
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string' && NO_SOFTPHONE.has(code)) set({ registration: 'none', reason: err instanceof Error ? err.message : code });
        else set({ registration: 'failed', reason: err instanceof Error ? err.message : String(err) });
      }
    },
    stop() {
      session?.terminate();
      const u = ua;
      ua = undefined;
      u?.stop();
      set({ registration: 'off' });
    },
    reRegister() {
      if (!ua) { restart(); return; }
      if (!ua.isConnected()) { restart(); return; }
      ua.register();
    },
    answer() {
      const s = session;
      if (!s || state.call?.direction !== 'incoming' || state.call.state !== 'ringing') return;
      ring?.stop();
      ring = undefined;
      setCall({ state: 'connecting' });
      s.answer({ mediaConstraints: mediaConstraints(), pcConfig: { iceServers: [] } });
      // getUserMedia refused: JsSIP fails the session with USER_DENIED_MEDIA_ACCESS.
      s.on('failed', (e: { cause: string }) => { if (e.cause === jssip?.C.causes.USER_DENIED_MEDIA_ACCESS) set({ micBlocked: true }); });
    },
    hangup() { session?.terminate(); },
    dtmf(digit) {
      if (!session || state.call?.state !== 'connected' || !/^[0-9A-D*#]$/.test(digit)) return;
      if (!jssip) return;
      // RFC 4733 in the media when the PBX negotiated telephone-event (Asterisk's dtmf_mode=rfc4733,
      // the WebRTC template): keys keep their timing with the audio. Otherwise SIP INFO.
      const sender = session.connection?.getSenders().find((x) => x.track?.kind === 'audio');
      const rtp = Boolean(sender?.dtmf?.canInsertDTMF);
      session.sendDTMF(digit, { transportType: rtp ? jssip.C.DTMF_TRANSPORT.RFC2833 : jssip.C.DTMF_TRANSPORT.INFO, duration: 160 });
    },
    mute(on) { if (!session) return; if (on) session.mute({ audio: true }); else session.unmute({ audio: true }); },
    hold(on) { if (!session || state.call?.state !== 'connected') return; if (on) session.hold(); else session.unhold(); },
    dial(target) {
      const t = target.replace(/[^0-9+*#]/g, '');
      if (!ua || session || !t || !creds) return;
      const domain = creds.uri.replace(/^sip:[^@]*@/, '');
      const s = ua.call(`sip:${t}@${domain}`, { mediaConstraints: mediaConstraints(), pcConfig: { iceServers: [] } });
      track(s, 'outgoing');
    },
    clearMissed() { set({ missed: [] }); },
  };
}

/** A ringtone made with WebAudio (no file to ship): 425 Hz, 1 s on, 4 s off, while ringing. */
function ringtone(): { stop(): void } {
  let ctx: AudioContext | undefined;
  try { ctx = new AudioContext(); } catch { return { stop() {} }; }
  const gain = ctx.createGain();
  gain.gain.value = 0;
  gain.connect(ctx.destination);
  const osc = ctx.createOscillator();
  osc.frequency.value = 425;
  osc.connect(gain);
  osc.start();
  const t0 = ctx.currentTime;
  for (let i = 0; i < 12; i++) {
    gain.gain.setValueAtTime(0.15, t0 + i * 5);
    gain.gain.setValueAtTime(0, t0 + i * 5 + 1);
  }
  return { stop() { try { osc.stop(); void ctx?.close(); } catch { /* already stopped */ } } };
}
