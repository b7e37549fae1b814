// The agent console: state (log in to my queues, available, paused with a configured reason),
// the screen pop of the call being offered (the caller's CRM contact or "unknown caller", how
// long they waited, what they chose in the phone menu, their last calls), the wrap-up of each
// finished call (disposition code and notes, which go onto the HubSpot call) and click-to-call.
import { useEffect, useState } from 'preact/hooks';
import { signal } from '@preact/signals';
import { tr, num, dur, dateTime, lang } from '../i18n/index.ts';
import { api, ApiError } from '../lib/api.ts';
import { me } from '../lib/session.ts';
import { query } from '../lib/router.ts';
import { agents, pending, pop, popEnded, queues, startLive } from '../lib/store.ts';
import { syncClock } from '../lib/clock.ts';
import type { AgentRow, PendingWrapUp, ScreenPop } from '../../../src/wallboard/types.ts';
import { Empty, Panel, Since, StateBadge, toast } from '../components/ui.tsx';
import { levelAbove } from '../../../src/wallboard/levels.ts';
import { SoftphonePanel } from '../components/softphone.tsx';

interface Label { es: string; en: string }
interface ConsoleSnapshot {
  serverTime: number; liveId: string; agent: AgentRow; queues: { id: string; name: string }[];
  pop: ScreenPop | null; pending: PendingWrapUp[];
  pauseReasons: { id: string; label: Label }[]; dispositions: { id: string; label: Label }[]; requireDisposition: boolean; maxNotes: number;
}

const settings = signal<ConsoleSnapshot | null>(null);
const L = (l: Label) => l[lang.value];

function agentIdOf(): string | undefined {
  const fromQuery = new URLSearchParams(query.value).get('agent') ?? undefined;
  const mine = me.value?.agentId;
  const isAgentOnly = me.value?.roles.includes('agent') && !me.value.roles.some((r) => r === 'admin' || r === 'supervisor');
  return isAgentOnly ? mine : fromQuery ?? mine;
}

export function AgentConsole() {
  const t = tr.value;
  const agentId = agentIdOf();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!agentId) return;
    let stop = false;
    void (async () => {
      try {
        // Settings and the agent's row; the pop and wrap-ups come with the live snapshot (one id).
        const s = await api<ConsoleSnapshot>(`/api/console/${encodeURIComponent(agentId)}`);
        if (stop) return;
        syncClock(s.serverTime);
        settings.value = s;
        await startLive({ agent: agentId });
      } catch (err) { setError((err as Error).message); }
    })();
    return () => { stop = true; };
  }, [agentId]);
  if (!agentId) return <AgentPicker />;
  if (error) return <p class="error" role="alert">{error}</p>;
  const s = settings.value;
  const a = agents.value.get(agentId) ?? s?.agent;
  if (!s || !a) return <p role="status">{t.common.loading}</p>;
  return (
    <div class="console" data-testid="agent-console" data-agent={agentId}>
      <div class="grid">
        <div class="span-12"><StateBar a={a} s={s} /></div>
        {/* The browser softphone registers with the agent's own credentials: only for the agent themselves. */}
        {me.value?.agentId === agentId && <div class="span-12"><SoftphonePanel agentId={agentId} /></div>}
        <div class="span-12"><Pop /></div>
        <div class="span-12"><WrapUps s={s} agentId={agentId} /></div>
      </div>
      <div class="grid">
        <div class="span-12"><MyQueues ids={a.queues} /></div>
        <div class="span-12"><ClickToCall agentId={agentId} /></div>
      </div>
    </div>
  );
}

/** Supervisors and admins pick whose console to open. */
function AgentPicker() {
  const t = tr.value;
  useEffect(() => { void startLive(); }, []);
  const list = [...agents.value.values()];
  if (!me.value?.roles.some((r) => r === 'admin' || r === 'supervisor')) return <p>{t.agent.notAgent}</p>;
  return (
    <Panel title={t.agent.chooseAgent}>
      <ul>{list.map((a) => <li key={a.id}><a href={`/agent?agent=${encodeURIComponent(a.id)}`}>{a.name}</a> <StateBadge state={a.state} /></li>)}</ul>
    </Panel>
  );
}

function StateBar({ a, s }: { a: AgentRow; s: ConsoleSnapshot }) {
  const t = tr.value;
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const id = encodeURIComponent(a.id);
  const run = async (path: string, body?: unknown) => {
    setBusy(true);
    try { await api(path, { method: 'POST', body: body ?? {} }); } catch (err) { toast(`${t.common.error}: ${(err as Error).message}`, true); } finally { setBusy(false); }
  };
  const th = [...queues.value.values()][0]?.thresholds;
  const level = (sec: number) => (!th ? 'ok' : a.state === 'paused' ? levelAbove(sec, th.pausedSec) : a.state === 'wrapUp' ? levelAbove(sec, th.wrapUpSec) : 'ok');
  const reasonLabel = a.reason ? s.pauseReasons.find((r) => r.id === a.reason) : undefined;
  return (
    <Panel title={`${t.agent.state}: ${a.name}`} id="state">
      <div class="statebar" data-state={a.state}>
        <StateBadge state={a.state} />
        {reasonLabel && <span data-fig="reason">{L(reasonLabel.label)}</span>}
        <span class="muted">{t.agents.inState}: <Since from={a.since} level={level} /></span>
        <span class="grow" />
        {a.state === 'loggedOut' ? (
          <button type="button" class="primary" disabled={busy} onClick={() => run(`/api/agents/${id}/login`)}>{t.agent.login}</button>
        ) : (
          <>
            {a.state === 'paused' && <button type="button" class="primary" disabled={busy} onClick={() => run(`/api/agents/${id}/unpause`)}>{t.agent.available}</button>}
            <form class="row" onSubmit={(e) => { e.preventDefault(); if (reason) void run(`/api/console/${id}/pause`, { reason }); }}>
              <label>{t.agent.pauseReason}
                <select name="reason" value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value)} required>
                  <option value="">{t.agent.choose}</option>
                  {s.pauseReasons.map((r) => <option key={r.id} value={r.id}>{L(r.label)}</option>)}
                </select>
              </label>
              <button type="submit" disabled={busy || !reason}>{t.agent.pause}</button>
            </form>
            <button type="button" disabled={busy} onClick={() => run(`/api/agents/${id}/logout`)}>{t.agent.logout}</button>
          </>
        )}
      </div>
    </Panel>
  );
}

function Pop() {
  const t = tr.value;
  const p = pop.value;
  const ended = popEnded.value;
  if (!p) return ended ? <p class="muted" role="status" data-testid="pop-ended">{ended.outcome === 'gone' ? t.agent.gone : t.agent.missed}</p> : null;
  const title = p.state === 'ringing' ? t.agent.incoming : p.state === 'connected' ? t.agent.onCall : t.agent.ended;
  const c = p.contact;
  return (
    <section class={`panel pop ${p.state}`} role={p.state === 'ringing' ? 'alert' : 'region'} aria-label={title} data-testid="screen-pop" data-call={p.callId} data-state={p.state}>
      <h2>{title}{p.state === 'ringing' && <span class="muted small"> · {t.agent.answerOnPhone}</span>}{p.state === 'connected' && p.connectedAt && <span class="muted"> · <Since from={p.connectedAt} /></span>}</h2>
      <p class="who" data-fig="who">{c?.name ?? (p.lookingUp ? t.agent.lookingUp : t.agent.unknownCaller)}</p>
      <p><span data-fig="caller">{p.caller}</span> · <span class="muted">{t.agent.waited({ d: dur(p.waitedSec), queue: p.queueName })}</span></p>
      {c && (
        <dl class="row">
          {c.company && <><dt class="muted">{t.agent.company}</dt><dd data-fig="company">{c.company}</dd></>}
          {c.owner && <><dt class="muted">{t.agent.owner}</dt><dd data-fig="owner">{c.owner}</dd></>}
          {c.url && <dd><a href={c.url} target="_blank" rel="noopener noreferrer">{t.agent.openRecord}</a></dd>}
        </dl>
      )}
      <h3 class="small">{t.agent.ivr}</h3>
      {p.ivr.length === 0 ? <p class="muted">{t.agent.noIvr}</p> : (
        <ol class="chips" data-fig="ivr">{p.ivr.map((s, i) => <li key={i}>{s.node}{s.digits ? ` · ${t.agent.pressed({ d: s.digits })}` : ''}</li>)}</ol>
      )}
      <h3 class="small">{t.agent.lastCalls}</h3>
      {p.lastCalls.length === 0 ? <p class="muted small">{t.agent.noLastCalls}</p> : (
        <ul class="small" data-fig="last-calls">{p.lastCalls.map((x) => <li key={x.id}>{dateTime(x.at)} · {t.dispositions[x.disposition] ?? x.disposition}{x.agent ? ` · ${x.agent}` : ''}</li>)}</ul>
      )}
    </section>
  );
}

function WrapUps({ s, agentId }: { s: ConsoleSnapshot; agentId: string }) {
  const t = tr.value;
  const list = pending.value;
  if (list.length === 0) return null;
  return (
    <Panel title={t.agent.wrapUp} count={list.length} id="wrapup">
      {list.map((w) => <WrapUpForm key={w.callId} w={w} s={s} agentId={agentId} />)}
    </Panel>
  );
}

function WrapUpForm({ w, s, agentId }: { w: PendingWrapUp; s: ConsoleSnapshot; agentId: string }) {
  const t = tr.value;
  const [disposition, setDisposition] = useState('');
  const [notes, setNotes] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (s.requireDisposition && !disposition) return setError(t.agent.dispositionRequired);
    setBusy(true);
    try {
      const r = await api<{ hubspot: string }>(`/api/console/${encodeURIComponent(agentId)}/wrapup`, { method: 'POST', body: { callId: w.callId, ...(disposition ? { disposition } : {}), ...(notes.trim() ? { notes } : {}) } });
      toast(r.hubspot === 'with-call' || r.hubspot === 'waiting-for-record' ? t.agent.wrapped : t.agent.wrappedLate);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally { setBusy(false); }
  };
  const fid = `wu-${w.callId.replace(/\W/g, '')}`;
  return (
    <form onSubmit={submit} data-testid="wrapup-form" data-call={w.callId} aria-labelledby={`${fid}-h`} noValidate>
      <p id={`${fid}-h`}><strong>{t.agent.wrapUpFor({ caller: w.contactName ?? w.caller, d: dur(w.talkSec) })}</strong></p>
      <div class="row">
        <label>{t.agent.disposition}
          <select name="disposition" value={disposition} onChange={(e) => setDisposition((e.target as HTMLSelectElement).value)} required={s.requireDisposition}>
            <option value="">{t.agent.choose}</option>
            {s.dispositions.map((d) => <option key={d.id} value={d.id}>{L(d.label)}</option>)}
          </select>
        </label>
        <label class="grow">{t.agent.notes}
          <textarea name="notes" rows={2} maxLength={s.maxNotes} value={notes} onInput={(e) => setNotes((e.target as HTMLTextAreaElement).value)} />
        </label>
        <button type="submit" class="primary" disabled={busy}>{t.agent.submit}</button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

function MyQueues({ ids }: { ids: string[] }) {
  const t = tr.value;
  const rows = ids.map((id) => queues.value.get(id)).filter((q) => q !== undefined);
  return (
    <Panel title={t.agent.myQueues} id="my-queues">
      {rows.length === 0 ? <Empty>{t.queue.none}</Empty> : (
        <table>
          <thead><tr><th scope="col">{t.waiting.queue}</th><th scope="col" class="num">{t.queue.waiting}</th><th scope="col" class="num">{t.queue.longest}</th><th scope="col" class="num">{t.queue.available}</th></tr></thead>
          <tbody>{rows.map((q) => <tr key={q.id} data-queue={q.id}><th scope="row">{q.name}</th><td class="num">{num(q.waiting)}</td><td class="num"><Since from={q.oldestWaitSince} level={(x) => levelAbove(x, q.thresholds.longestWaitSec)} /></td><td class="num">{num(q.available)}</td></tr>)}</tbody>
        </table>
      )}
    </Panel>
  );
}

function ClickToCall({ agentId }: { agentId: string }) {
  const t = tr.value;
  const [number, setNumber] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await api(`/api/console/${encodeURIComponent(agentId)}/call`, { method: 'POST', body: { number } });
      toast(t.agent.calling);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally { setBusy(false); }
  };
  return (
    <Panel title={t.agent.clickToCall} id="click-to-call">
      <form class="row" onSubmit={submit}>
        <label>{t.agent.number}<input name="number" type="tel" inputMode="tel" autoComplete="off" value={number} onInput={(e) => setNumber((e.target as HTMLInputElement).value)} required maxLength={24} /></label>
        <button type="submit" class="primary" disabled={busy || !number.trim()}>{t.agent.call}</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
    </Panel>
  );
}
