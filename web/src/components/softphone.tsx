// The softphone panel of the agent console: registration indicator with "register again",
// microphone choice, the ringing call (answer / decline, ringtone), the connected call (timer,
// mute, hold, keypad for DTMF, received-audio meter, hang up), a dial box for outbound calls
// and the missed calls. Shown only to the agent themselves (their credentials).
import { useEffect, useRef, useState } from 'preact/hooks';
import { signal } from '@preact/signals';
import { api } from '../lib/api.ts';
import { lang } from '../i18n/index.ts';
import { now, serverNow } from '../lib/clock.ts';
import { createSoftphone, type Softphone, type SoftphoneCredentials, type SoftphoneState } from '../lib/softphone.ts';
import { Panel } from './ui.tsx';
import { TransferControls } from './transfer.tsx';

// The softphone's words live here, in both languages (one panel, one file).
const W = {
  es: {
    title: 'Teléfono', off: 'Apagado', none: 'Tus llamadas suenan en tu teléfono de escritorio', connecting: 'Conectando…', registered: 'Registrado', unregistered: 'Sin registro', failed: 'Falló el registro',
    reRegister: 'Registrar de nuevo', mic: 'Micrófono', micDefault: 'Predeterminado', micBlocked: 'El navegador bloqueó el micrófono: permítelo para contestar.',
    incoming: 'Llamada entrante', outgoing: 'Llamando…', connected: 'En llamada', answer: 'Contestar', decline: 'Rechazar', hangup: 'Colgar',
    mute: 'Silenciar', unmute: 'Activar micrófono', hold: 'En espera', resume: 'Retomar', held: 'En espera', keypad: 'Teclado', dial: 'Marcar', number: 'Número',
    missed: 'Perdidas', clear: 'Borrar', level: 'Audio recibido', volume: 'Volumen',
  },
  en: {
    title: 'Phone', off: 'Off', none: 'Your calls ring on your desk phone', connecting: 'Connecting…', registered: 'Registered', unregistered: 'Not registered', failed: 'Registration failed',
    reRegister: 'Register again', mic: 'Microphone', micDefault: 'Default', micBlocked: 'The browser blocked the microphone: allow it to answer.',
    incoming: 'Incoming call', outgoing: 'Calling…', connected: 'On a call', answer: 'Answer', decline: 'Decline', hangup: 'Hang up',
    mute: 'Mute', unmute: 'Unmute', hold: 'Hold', resume: 'Resume', held: 'On hold', keypad: 'Keypad', dial: 'Dial', number: 'Number',
    missed: 'Missed', clear: 'Clear', level: 'Received audio', volume: 'Volume',
  },
};

const phoneState = signal<SoftphoneState>({ registration: 'off', missed: [], micBlocked: false });
let phone: Softphone | undefined;
let phoneAgent: string | undefined;
const micId = signal<string>('');
const volume = signal(1);

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

export function SoftphonePanel({ agentId }: { agentId: string }) {
  const w = W[lang.value];
  const audio = useRef<HTMLAudioElement>(null);
  const [mics, setMics] = useState<MediaDeviceInfo[]>([]);
  const [target, setTarget] = useState('');
  useEffect(() => {
    if (!audio.current || phoneAgent === agentId) return;
    phone?.stop();
    phoneAgent = agentId;
    phone = createSoftphone({
      credentials: () => api<SoftphoneCredentials>(`/api/agents/${encodeURIComponent(agentId)}/softphone`, { method: 'POST' }),
      audio: audio.current, now: serverNow, micDeviceId: () => micId.value || undefined,
      onChange: (s) => { phoneState.value = s; },
    });
    void phone.start();
    void navigator.mediaDevices?.enumerateDevices().then((d) => setMics(d.filter((x) => x.kind === 'audioinput')), () => undefined);
  }, [agentId]);
  useEffect(() => () => { phone?.stop(); phone = undefined; phoneAgent = undefined; }, []);
  const s = phoneState.value;
  const c = s.call;
  const regText = w[s.registration];
  const secs = c?.answeredAt ? Math.max(0, Math.floor((now.value - c.answeredAt) / 1000)) : 0;
  const timer = `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`;
  const level = c?.rxLevel ?? 0;
  return (
    <Panel title={w.title} id="softphone">
      <div data-testid="softphone" data-reg={s.registration} data-call={c ? (c.held ? 'held' : c.state) : 'idle'} data-muted={c?.muted ? 'yes' : 'no'}>
        <audio ref={audio} autoPlay />
        {s.registration === 'none' ? <p class="muted" data-fig="registration">{w.none}</p> : <>
        <p class="row" role="status" aria-live="polite">
          <span class={`dot reg-${s.registration}`} aria-hidden="true" />
          <strong data-fig="registration">{regText}</strong>
          {s.reason && s.registration !== 'registered' && <span class="muted small"> · {s.reason}</span>}
          <span class="grow" />
          <button type="button" onClick={() => phone?.reRegister()} disabled={s.registration === 'connecting'}>{w.reRegister}</button>
        </p>
        {s.micBlocked && <p class="error" role="alert">{w.micBlocked}</p>}
        {mics.length > 1 && (
          <label>{w.mic}
            <select value={micId.value} onChange={(e) => { micId.value = (e.target as HTMLSelectElement).value; }}>
              <option value="">{w.micDefault}</option>
              {mics.map((m) => <option key={m.deviceId} value={m.deviceId}>{m.label || m.deviceId.slice(0, 8)}</option>)}
            </select>
          </label>
        )}
        {c && (
          <section class={`call ${c.state}`} role={c.state === 'ringing' ? 'alert' : 'region'} aria-label={c.state === 'ringing' ? w.incoming : w.connected} data-testid="phone-call">
            <p><strong>{c.state === 'ringing' ? w.incoming : c.state === 'connecting' ? (c.direction === 'outgoing' ? w.outgoing : w.connecting) : c.held ? w.held : w.connected}</strong>
              {' · '}<span data-fig="remote">{c.remoteName && c.remoteName !== c.remote ? `${c.remoteName} ` : ''}{c.remote}</span>
              {c.state === 'connected' && <span class="muted"> · <span data-fig="timer">{timer}</span></span>}
            </p>
            {c.state === 'ringing' && c.direction === 'incoming' ? (
              <div class="row">
                <button type="button" class="primary" onClick={() => phone?.answer()}>{w.answer}</button>
                <button type="button" class="danger" onClick={() => phone?.hangup()}>{w.decline}</button>
              </div>
            ) : (
              <>
                <div class="row">
                  <button type="button" aria-pressed={c.muted} onClick={() => phone?.mute(!c.muted)} disabled={c.state !== 'connected'}>{c.muted ? w.unmute : w.mute}</button>
                  <button type="button" aria-pressed={c.held} onClick={() => phone?.hold(!c.held)} disabled={c.state !== 'connected'}>{c.held ? w.resume : w.hold}</button>
                  <button type="button" class="danger" onClick={() => phone?.hangup()}>{w.hangup}</button>
                </div>
                {c.state === 'connected' && (
                  <>
                    <label class="small">{w.volume} <input type="range" name="volume" min={0} max={1} step={0.05} value={volume.value}
                      onInput={(e) => { volume.value = Number((e.target as HTMLInputElement).value); if (audio.current) audio.current.volume = volume.value; }} /></label>
                    <label class="small">{w.level} <meter data-testid="rx-level" data-level={level.toFixed(3)} min={0} max={1} value={level} /></label>
                    <div class="keypad" role="group" aria-label={w.keypad}>
                      {KEYS.map((k) => <button type="button" key={k} data-key={k} onClick={() => phone?.dtmf(k)}>{k}</button>)}
                    </div>
                    {c.direction === 'incoming' && <TransferControls agentId={agentId} />}
                  </>
                )}
              </>
            )}
          </section>
        )}
        {!c && s.registration === 'registered' && (
          <form class="row" onSubmit={(e) => { e.preventDefault(); phone?.dial(target); }}>
            <label>{w.number}<input name="softphone-number" type="tel" inputMode="tel" autoComplete="off" value={target} maxLength={24} onInput={(e) => setTarget((e.target as HTMLInputElement).value)} /></label>
            <button type="submit" disabled={!target.trim()}>{w.dial}</button>
          </form>
        )}
        {s.missed.length > 0 && (
          <div data-testid="missed-calls">
            <p class="row"><strong>{w.missed} ({s.missed.length})</strong><span class="grow" /><button type="button" onClick={() => phone?.clearMissed()}>{w.clear}</button></p>
            <ul class="small">{s.missed.map((m) => <li key={m.at}>{m.remoteName ?? m.remote} · {new Date(m.at).toLocaleTimeString(lang.value)}</li>)}</ul>
          </div>
        )}
        </>}
      </div>
    </Panel>
  );
}
