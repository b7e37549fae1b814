// The console's calling view inside HubSpot (the calling extension iframe): sign in (a session
// of its own, partitioned under HubSpot's site), the number HubSpot asks to call, the call's
// state as centralita sees it (reported to HubSpot through the SDK), hang up, and the wrap-up
// (disposition and notes) that goes onto centralita's one HubSpot engagement for the call.
import { useEffect, useRef, useState } from 'preact/hooks';
import { signal } from '@preact/signals';
import { lang, setLang } from '../i18n/index.ts';
import { api, ApiError, unauthenticated } from '../lib/api.ts';
import { loadSession, me, signIn, signOut } from '../lib/session.ts';
import { syncClock, now, serverNow } from '../lib/clock.ts';
import { StateBadge } from '../components/ui.tsx';
import { SoftphonePanel } from '../components/softphone.tsx';
import { dialRequest, endRequested, hostNotice, hostReady, type Cti } from './cti.ts';
import { endStatusOf, eventsFor, type CallStatus } from './calls.ts';
import { W } from './words.ts';

interface Label { es: string; en: string }
interface Snapshot {
  serverTime: number; agent: { id: string; name: string; state: string };
  dispositions: { id: string; label: Label }[]; requireDisposition: boolean; maxNotes: number;
}

/** The call being placed or wrapped up (one at a time, like a phone). */
const current = signal<{ status: CallStatus; reported: CallStatus['state'] } | null>(null);
const POLL_MS = 500;

export function Extension({ cti }: { cti: Cti }) {
  const w = W[lang.value];
  useEffect(() => { void loadSession(); }, []);
  useEffect(() => { if (unauthenticated.value && me.value) me.value = null; }, [unauthenticated.value]);
  // HubSpot hears who is signed in (its UI offers the call only then).
  useEffect(() => { if (me.value) cti.loggedIn(); else if (me.value === null) cti.loggedOut(); }, [me.value, hostReady.value]);
  const m = me.value;
  return (
    <main class="hs" data-testid="hubspot-calling" data-host={hostReady.value ? 'ready' : 'waiting'}>
      <header class="row">
        <strong>centralita</strong><span class="grow" />
        <button type="button" class="small" aria-pressed={lang.value === 'es'} onClick={() => setLang('es')}>ES</button>
        <button type="button" class="small" aria-pressed={lang.value === 'en'} onClick={() => setLang('en')}>EN</button>
        {m && <button type="button" class="small" onClick={() => { void signOut(); }}>{w.signOut}</button>}
      </header>
      {m === undefined ? <p role="status">{w.loading}</p> : m === null ? <SignIn /> : !m.agentId ? <p role="alert">{w.notAgent}</p> : <Calling agentId={m.agentId} cti={cti} />}
    </main>
  );
}

function SignIn() {
  const w = W[lang.value];
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try { await signIn(username, password, { embedded: true }); unauthenticated.value = false; } catch (err) {
      setError((err as { status?: number }).status === 429 ? w.tooMany : w.failed);
    } finally { setBusy(false); }
  };
  return (
    <form class="hs-signin" onSubmit={submit} aria-label={w.signIn}>
      <label>{w.username}<input name="username" autoComplete="username" required value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} /></label>
      <label>{w.password}<input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} /></label>
      <button type="submit" class="primary" disabled={busy}>{w.signIn}</button>
      <p class="error" role="alert">{error ?? ''}</p>
    </form>
  );
}

function Calling({ agentId, cti }: { agentId: string; cti: Cti }) {
  const w = W[lang.value];
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = encodeURIComponent(agentId);
  const refresh = () => api<Snapshot>(`/api/console/${id}`).then((s) => { syncClock(s.serverTime); setSnap(s); }, (err: unknown) => setError((err as Error).message));
  useEffect(() => { void refresh(); }, [agentId]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!snap) return <p role="status">{w.loading}</p>;
  const c = current.value;
  return (
    <>
      <p class="row" data-testid="agent"><span>{snap.agent.name}</span><StateBadge state={snap.agent.state} /></p>
      {hostNotice.value && <p class="error" role="alert">{w.unexpectedEngagement}</p>}
      {!c ? <Dial agentId={agentId} cti={cti} onPlaced={() => void refresh()} />
        : c.status.state !== 'ended' ? <Live agentId={agentId} cti={cti} />
        : <WrapUp agentId={agentId} cti={cti} snap={snap} onDone={() => void refresh()} />}
      {me.value?.agentId === agentId && <details class="hs-phone"><summary>{w.phone}</summary><SoftphonePanel agentId={agentId} /></details>}
    </>
  );
}

function Dial({ agentId, cti, onPlaced }: { agentId: string; cti: Cti; onPlaced: () => void }) {
  const w = W[lang.value];
  const req = dialRequest.value;
  const [number, setNumber] = useState(req?.phoneNumber ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  // HubSpot's click-to-call fills the number; the agent confirms with one click (or Enter).
  useEffect(() => { if (req) { setNumber(req.phoneNumber); setError(null); button.current?.focus(); } }, [req?.at]);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      const r = await api<{ id: string; number: string }>(`/api/console/${encodeURIComponent(agentId)}/call`, { method: 'POST', body: { number } });
      cti.outgoing({ externalCallId: r.id, toNumber: r.number });
      dialRequest.value = null;
      current.value = { status: { id: r.id, agentId, number: r.number, state: 'ringing-agent', startedAt: new Date(serverNow()).toISOString() }, reported: 'ringing-agent' };
      onPlaced();
      poll(agentId, r.id, cti);
    } catch (err) {
      const msg = err instanceof ApiError ? err.message : String(err);
      setError(msg);
      cti.error(msg);
    } finally { setBusy(false); }
  };
  return (
    <form class="hs-dial" onSubmit={submit}>
      {req && <p class="muted small" data-testid="dial-request">{w.fromHubspot({ n: req.phoneNumber })}</p>}
      <label>{w.number}<input name="number" type="tel" inputMode="tel" autoComplete="off" required maxLength={24} value={number} onInput={(e) => setNumber((e.target as HTMLInputElement).value)} /></label>
      <button ref={button} type="submit" class="primary" disabled={busy || !number.trim()}>{w.call}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

/** Follows the call until it ends, telling HubSpot each step once. */
function poll(agentId: string, clickId: string, cti: Cti): void {
  const tick = async () => {
    const cur = current.value;
    if (!cur || cur.status.id !== clickId) return;
    let s: CallStatus;
    try { s = await api<CallStatus>(`/api/console/${encodeURIComponent(agentId)}/calls/${encodeURIComponent(clickId)}`); } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      setTimeout(() => void tick(), POLL_MS * 4);
      return;
    }
    for (const ev of eventsFor(cur.reported, s)) {
      if (ev === 'answered') cti.answered(clickId);
      else cti.ended(clickId, endStatusOf(s));
    }
    current.value = { status: s, reported: s.state };
    // A call that was never dialled has nothing to wrap up.
    if (s.state === 'ended' && !s.callId) { cti.completed(clickId); current.value = null; return; }
    if (s.state !== 'ended') setTimeout(() => void tick(), POLL_MS);
  };
  setTimeout(() => void tick(), POLL_MS);
}

function Live({ agentId, cti }: { agentId: string; cti: Cti }) {
  const w = W[lang.value];
  const s = current.value!.status;
  const [busy, setBusy] = useState(false);
  const hangup = async () => {
    setBusy(true);
    try { await api(`/api/console/${encodeURIComponent(agentId)}/calls/${encodeURIComponent(s.id)}/hangup`, { method: 'POST' }); } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) cti.error((err as Error).message);
    } finally { setBusy(false); }
  };
  // HubSpot's own "end call" button hangs up the same way.
  const seen = useRef(endRequested.value);
  useEffect(() => { if (endRequested.value !== seen.current) { seen.current = endRequested.value; void hangup(); } }, [endRequested.value]);
  const secs = s.answeredAt ? Math.max(0, Math.floor((now.value - Date.parse(s.answeredAt)) / 1000)) : 0;
  return (
    <section class="hs-live" data-testid="call" data-state={s.state} aria-live="polite">
      <p><strong>{s.number}</strong></p>
      <p role="status">{s.state === 'ringing-agent' ? w.ringingYou : s.state === 'dialling' ? w.dialling : w.connected({ t: `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}` })}</p>
      <button type="button" class="danger" disabled={busy} onClick={() => void hangup()}>{w.hangup}</button>
    </section>
  );
}

function WrapUp({ agentId, cti, snap, onDone }: { agentId: string; cti: Cti; snap: Snapshot; onDone: () => void }) {
  const w = W[lang.value];
  const s = current.value!.status;
  const [disposition, setDisposition] = useState('');
  const [notes, setNotes] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const L = (l: Label) => l[lang.value];
  const submit = async (e: Event) => {
    e.preventDefault();
    if (snap.requireDisposition && !disposition) { setError(w.dispositionRequired); return; }
    setBusy(true); setError(null);
    try {
      await api(`/api/console/${encodeURIComponent(agentId)}/wrapup`, { method: 'POST', body: { callId: s.callId, ...(disposition ? { disposition } : {}), ...(notes.trim() ? { notes } : {}) } });
      cti.completed(s.id);
      current.value = null;
      onDone();
    } catch (err) { setError(err instanceof ApiError ? err.message : String(err)); } finally { setBusy(false); }
  };
  return (
    <form class="hs-wrapup" data-testid="wrapup" data-call={s.callId} onSubmit={submit} noValidate>
      <p><strong>{s.number}</strong> · <span data-testid="ended">{w.ended[s.disposition ?? ''] ?? s.disposition}</span></p>
      <label>{w.disposition}
        <select name="disposition" value={disposition} required={snap.requireDisposition} onChange={(e) => setDisposition((e.target as HTMLSelectElement).value)}>
          <option value="">{w.choose}</option>
          {snap.dispositions.map((d) => <option key={d.id} value={d.id}>{L(d.label)}</option>)}
        </select>
      </label>
      <label>{w.notes}<textarea name="notes" rows={4} maxLength={snap.maxNotes} value={notes} onInput={(e) => setNotes((e.target as HTMLTextAreaElement).value)} /></label>
      <button type="submit" class="primary" disabled={busy}>{w.save}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}
