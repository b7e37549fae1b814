// Wallboard panels with actions: campaigns (progress by outcome, pace, pause/resume/cancel
// with confirmation), business hours (state, override, a form to set or clear one — reason and
// expiry required) and the live event log in words.
import { useState } from 'preact/hooks';
import { tr, num, clockTime, dateTime } from '../i18n/index.ts';
import { api, ApiError } from '../lib/api.ts';
import { can } from '../lib/session.ts';
import { agents, campaigns, hours, log, pauseReasons, queues } from '../lib/store.ts';
import { lang } from '../i18n/index.ts';
import type { CampaignRow, HoursRow, LogEntry } from '../../../src/wallboard/types.ts';
import { confirmAction, Empty, Panel, toast } from '../components/ui.tsx';

const OUTCOMES = ['answered', 'voicemail', 'busy', 'no-answer', 'failed', 'cancelled', 'expired', 'do-not-call'];

export function CampaignsPanel() {
  const t = tr.value;
  if (!can.value.campaigns) return null;
  const rows = [...campaigns.value.values()].sort((a, b) => a.id.localeCompare(b.id));
  return (
    <Panel title={t.campaigns.title} count={rows.length} id="campaigns">
      {rows.length === 0 ? <Empty>{t.campaigns.none}</Empty> : rows.map((c) => <Campaign key={c.id} c={c} />)}
    </Panel>
  );
}

function Campaign({ c }: { c: CampaignRow }) {
  const t = tr.value;
  const [busy, setBusy] = useState(false);
  const total = Math.max(c.queued, c.done);
  const act = async (action: 'pause' | 'resume' | 'cancel') => {
    const text = action === 'pause' ? t.campaigns.confirmPause({ id: c.id }) : action === 'resume' ? t.campaigns.confirmResume({ id: c.id }) : t.campaigns.confirmCancel({ id: c.id });
    if (!(await confirmAction(text, action === 'cancel'))) return;
    setBusy(true);
    try {
      await api(`/api/campaigns/${encodeURIComponent(c.id)}/${action}`, { method: 'POST' });
    } catch (err) {
      toast(`${t.common.error}: ${(err as Error).message}`, true);
    } finally { setBusy(false); }
  };
  return (
    <article class="campaign" data-campaign={c.id} data-state={c.state}>
      <div class="row">
        <strong>{c.id}</strong>
        <span class="tag" data-fig="state">{t.campaigns.states[c.state] ?? c.state}</span>
        <span class="muted small">{t.campaigns.done({ done: num(c.done), total: num(total) })} · {t.campaigns.dialling({ n: num(c.dialling) })} · {t.campaigns.pace}: {t.campaigns.perMin({ n: num(c.pacePerMin) })}
          {c.maxCallsPerSecond !== undefined && <> · {t.campaigns.limit({ cps: c.maxCallsPerSecond, conc: c.maxConcurrentCalls })}</>}</span>
        <span class="grow" />
        <span class="row tv-hide">
          {c.state === 'active' && <button type="button" disabled={busy} onClick={() => act('pause')}>{t.campaigns.pause}</button>}
          {c.state === 'paused' && <button type="button" disabled={busy} onClick={() => act('resume')}>{t.campaigns.resume}</button>}
          {(c.state === 'active' || c.state === 'paused') && can.value.cancelCampaign && <button type="button" class="danger" disabled={busy} onClick={() => act('cancel')}>{t.campaigns.cancel}</button>}
        </span>
      </div>
      <div class="bar" role="img" aria-label={OUTCOMES.filter((o) => c.byOutcome[o]).map((o) => `${t.campaigns.outcomes[o]}: ${c.byOutcome[o]}`).join(', ') || t.common.none}>
        {OUTCOMES.map((o) => (c.byOutcome[o] ? <i key={o} class={`oc-${o}`} style={{ width: `${(100 * (c.byOutcome[o] ?? 0)) / Math.max(1, total)}%` }} /> : null))}
      </div>
      <div class="legend">{OUTCOMES.filter((o) => c.byOutcome[o]).map((o) => <span key={o}><i class={`oc-${o}`} />{t.campaigns.outcomes[o]} {num(c.byOutcome[o])}</span>)}</div>
    </article>
  );
}

export function HoursPanel() {
  const t = tr.value;
  if (!can.value.hours) return null;
  const rows = [...hours.value.values()];
  return (
    <Panel title={t.hours.title} count={rows.length} id="hours">
      {rows.length === 0 ? <Empty>{t.hours.none}</Empty> : rows.map((h) => <Schedule key={h.scheduleId} h={h} />)}
    </Panel>
  );
}

function Schedule({ h }: { h: HoursRow }) {
  const t = tr.value;
  const [open, setOpen] = useState(false);
  const clear = async () => {
    if (!(await confirmAction(t.hours.confirmClear({ id: h.scheduleId })))) return;
    try {
      await api(`/api/hours/${encodeURIComponent(h.scheduleId)}/override`, { method: 'DELETE', body: {} });
    } catch (err) { toast(`${t.common.error}: ${(err as Error).message}`, true); }
  };
  return (
    <article class="schedule" data-schedule={h.scheduleId} data-open={String(h.open)}>
      <div class="row">
        <strong>{h.scheduleId}</strong>
        <span class={`tag ${h.open ? 'st-available' : 'st-paused'}`} data-fig="open">{h.open ? t.hours.open : t.hours.closed}</span>
        <span class="muted small">{t.hours.reasons[h.reason] ?? h.reason}{h.detail && h.reason !== 'override' ? ` · ${h.detail}` : ''}
          {h.nextChange && <> · {t.hours.next({ state: h.nextChange.open ? t.hours.open : t.hours.closed, at: dateTime(h.nextChange.at) })}</>}</span>
        <span class="grow" />
        <span class="row tv-hide">
          {h.override && <button type="button" onClick={clear}>{t.hours.clearOverride}</button>}
          <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>{t.hours.setOverride}</button>
        </span>
      </div>
      {h.override && <p class="small" data-fig="override">{t.hours.overrideBy({ by: h.override.setBy, reason: h.override.reason, at: dateTime(h.override.expiresAt) })}</p>}
      {open && <OverrideForm id={h.scheduleId} onDone={() => setOpen(false)} />}
    </article>
  );
}

function OverrideForm({ id, onDone }: { id: string; onDone: () => void }) {
  const t = tr.value;
  const [state, setState] = useState<'open' | 'closed'>('closed');
  const [reason, setReason] = useState('');
  const [expiry, setExpiry] = useState('');
  const [until, setUntil] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!reason.trim()) return setError(t.hours.reasonRequired);
    if (!expiry || (expiry === 'until' && !until)) return setError(t.hours.expiryRequired);
    const when = expiry === 'next' ? { untilNextChange: true } : expiry === 'until' ? { until: new Date(until).toISOString() } : { minutes: Number(expiry) };
    try {
      await api(`/api/hours/${encodeURIComponent(id)}/override`, { method: 'PUT', body: { state, reason: reason.trim(), ...when } });
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  const fid = `ov-${id}`;
  return (
    <form class="row" onSubmit={submit} aria-label={`${t.hours.setOverride}: ${id}`} noValidate>
      <fieldset class="row" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend class="sr-only">{t.hours.setOverride}</legend>
        <label><input type="radio" name={`${fid}-state`} checked={state === 'closed'} onChange={() => setState('closed')} /> {t.hours.forceClosed}</label>
        <label><input type="radio" name={`${fid}-state`} checked={state === 'open'} onChange={() => setState('open')} /> {t.hours.forceOpen}</label>
      </fieldset>
      <label>{t.hours.reason}<input name="reason" required value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} maxLength={200} /></label>
      <label>{t.hours.expiry}
        <select name="expiry" required value={expiry} onChange={(e) => setExpiry((e.target as HTMLSelectElement).value)}>
          <option value="">{tr.value.agent.choose}</option>
          <option value="30">{t.hours.minutes({ n: 30 })}</option>
          <option value="60">{t.hours.hoursN({ n: 1 })}</option>
          <option value="240">{t.hours.hoursN({ n: 4 })}</option>
          <option value="next">{t.hours.untilNext}</option>
          <option value="until">{t.hours.untilTime}</option>
        </select>
      </label>
      {expiry === 'until' && <label>{t.hours.untilTime}<input type="datetime-local" name="until" value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} /></label>}
      <button type="submit" class="primary">{t.hours.apply}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

export function EventLog() {
  const t = tr.value;
  const entries = log.value;
  return (
    <Panel title={t.log.title} id="log">
      {entries.length === 0 ? <Empty>{t.log.none}</Empty> : (
        <div class="scroll" tabIndex={0} role="region" aria-label={t.log.title}><ol class="log" aria-live="off">{entries.slice(0, 100).map((e) => <li key={e.id} data-kind={e.kind}><time>{clockTime(e.at)}</time><span>{logText(e)}</span></li>)}</ol></div>
      )}
    </Panel>
  );
}

/** One log entry in words, in the page's language. */
export function logText(e: LogEntry): string {
  const t = tr.value;
  const p = { ...e.p };
  const qname = (id: unknown) => (typeof id === 'string' ? queues.value.get(id)?.name ?? id : undefined);
  if (p.queue) p.queue = qname(p.queue);
  if (e.kind === 'queue.answer' && typeof p.agent === 'string') p.agent = agents.value.get(p.agent)?.name ?? p.agent;
  if (e.kind === 'wrapup' && typeof p.agent === 'string') p.agent = agents.value.get(p.agent)?.name ?? p.agent;
  if (e.kind === 'call.ended' && typeof p.disposition === 'string') p.disposition = t.dispositions[p.disposition] ?? p.disposition;
  if (e.kind === 'agent.state') { p.stateLabel = t.agents.states[String(p.state)] ?? p.state; p.reasonLabel = typeof p.reason === 'string' ? pauseReasons.value.get(p.reason)?.[lang.value] ?? p.reason : undefined; }
  if (e.kind === 'campaign.state') p.stateLabel = t.campaigns.states[String(p.state)] ?? p.state;
  if (e.kind === 'hours.override') p.stateLabel = (p.state === 'open' ? t.hours.open : t.hours.closed).toLowerCase();
  const f = t.log.kinds[e.kind];
  return f ? f(p) : e.kind;
}
