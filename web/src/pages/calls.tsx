// Call search over the call history (GET /api/history/calls: number in any format, date range,
// queue, agent, outcome, direction, campaign; paged with a cursor) and one call's page: its
// timeline (phone menu, queue wait, agent, outcome, wrap-up) and the recording player (the
// authorised audio endpoint, with HTTP Range so seeking works).
import { useEffect, useState } from 'preact/hooks';
import { tr, num, dur, dateTime, clockTime } from '../i18n/index.ts';
import { api, qs } from '../lib/api.ts';
import { navigate, path, query } from '../lib/router.ts';
import { callTimeline, type TimelineItem } from '../lib/timeline.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { Empty, Panel } from '../components/ui.tsx';

interface CallSummary {
  id: string; direction: string; from: string; to: string; startedAt: string; endedAt: string; disposition: string;
  talkSeconds: number; waitSeconds: number; queueId?: string; agentId?: string; flowId?: string; campaignId?: string; recording?: string;
}
interface CallPage { calls: CallSummary[]; next?: string }

const FIELDS = ['number', 'from', 'to', 'queue', 'agent', 'disposition', 'direction', 'campaign'] as const;
type Filters = Partial<Record<(typeof FIELDS)[number], string>>;
const DISPOSITIONS = ['answered', 'abandoned', 'busy', 'no-answer', 'failed', 'voicemail'];

export function CallSearch() {
  const p = path.value;
  if (p.startsWith('/calls/')) return <CallDetail id={decodeURIComponent(p.slice('/calls/'.length))} />;
  return <SearchPage />;
}

function SearchPage() {
  const t = tr.value;
  const initial = Object.fromEntries(FIELDS.map((f) => [f, new URLSearchParams(query.value).get(f) ?? ''])) as Filters;
  const [form, setForm] = useState<Filters>(initial);
  const [applied, setApplied] = useState<Filters | null>(Object.values(initial).some(Boolean) ? initial : {});
  const [page, setPage] = useState<CallPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!applied) return;
    setError(null);
    history.replaceState(null, '', `/calls${qs(applied)}`);
    api<CallPage>(`/api/history/calls${qs({ ...applied, limit: 50 })}`).then(setPage, (e: Error) => { setError(e.message); setPage(null); });
  }, [applied]);
  const more = async () => {
    if (!page?.next || !applied) return;
    const next = await api<CallPage>(`/api/history/calls${qs({ ...applied, limit: 50, cursor: page.next })}`);
    setPage({ calls: [...page.calls, ...next.calls], ...(next.next ? { next: next.next } : {}) });
  };
  const set = (k: keyof Filters) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  return (
    <div class="grid" data-testid="call-search">
      <div class="span-12">
        <Panel title={t.search.title} id="search-form">
          <form class="row" onSubmit={(e) => { e.preventDefault(); setApplied({ ...form }); }}>
            <label>{t.search.number}<input name="number" type="search" value={form.number} onInput={set('number')} maxLength={40} /></label>
            <label>{t.search.from}<input name="from" type="date" value={form.from} onInput={set('from')} /></label>
            <label>{t.search.to}<input name="to" type="date" value={form.to} onInput={set('to')} /></label>
            <label>{t.search.queue}<input name="queue" value={form.queue} onInput={set('queue')} maxLength={64} /></label>
            <label>{t.search.agent}<input name="agent" value={form.agent} onInput={set('agent')} maxLength={64} /></label>
            <label>{t.search.disposition}
              <select name="disposition" value={form.disposition} onChange={set('disposition')}>
                <option value="">{t.search.any}</option>
                {DISPOSITIONS.map((d) => <option key={d} value={d}>{t.dispositions[d]}</option>)}
              </select>
            </label>
            <label>{t.search.direction}
              <select name="direction" value={form.direction} onChange={set('direction')}>
                <option value="">{t.search.any}</option><option value="inbound">{t.calls.inbound}</option><option value="outbound">{t.calls.outbound}</option>
              </select>
            </label>
            <label>{t.search.campaign}<input name="campaign" value={form.campaign} onInput={set('campaign')} maxLength={64} /></label>
            <button type="submit" class="primary">{t.search.search}</button>
          </form>
        </Panel>
      </div>
      <div class="span-12">
        {error ? <p class="error" role="alert">{error}</p> : !page ? <p role="status">{t.common.loading}</p> : (
          <Panel title={t.search.title} count={page.calls.length} id="search-results">
            {page.calls.length === 0 ? <Empty>{t.search.none}</Empty> : (
              <table data-testid="search-results">
                <thead><tr><th scope="col">{t.search.started}</th><th scope="col">{t.calls.caller}</th><th scope="col">{t.search.direction}</th><th scope="col">{t.search.disposition}</th><th scope="col">{t.search.queue}</th><th scope="col">{t.search.agent}</th><th scope="col" class="num">{t.search.wait}</th><th scope="col" class="num">{t.search.talk}</th><th scope="col">{t.search.recording}</th></tr></thead>
                <tbody>{page.calls.map((c) => (
                  <tr key={c.id} data-call={c.id}>
                    <td><a href={`/calls/${encodeURIComponent(c.id)}`}>{dateTime(c.startedAt)}</a></td>
                    <td>{c.direction === 'outbound' ? c.to : c.from}</td>
                    <td>{c.direction === 'outbound' ? t.calls.outbound : t.calls.inbound}</td>
                    <td>{t.dispositions[c.disposition] ?? c.disposition}</td>
                    <td>{c.queueId ?? '—'}</td><td>{c.agentId ?? '—'}</td>
                    <td class="num">{dur(c.waitSeconds)}</td><td class="num">{dur(c.talkSeconds)}</td>
                    <td>{c.recording ? '●' : ''}<span class="sr-only">{c.recording ? t.search.recording : t.search.noRecording}</span></td>
                  </tr>
                ))}</tbody>
              </table>
            )}
            {page.next && <button type="button" onClick={more}>{t.search.more}</button>}
          </Panel>
        )}
      </div>
    </div>
  );
}

function CallDetail({ id }: { id: string }) {
  const t = tr.value;
  const [rec, setRec] = useState<(CallRecord & { hubspotCallId?: string }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { api<CallRecord>(`/api/history/calls/${encodeURIComponent(id)}`).then(setRec, (e: Error) => setError(e.message)); }, [id]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!rec) return <p role="status">{t.common.loading}</p>;
  const items = callTimeline(rec);
  const audio = rec.recording?.name ?? rec.voicemail?.name;
  return (
    <div class="grid" data-testid="call-detail">
      <div class="span-12"><a href="/calls" onClick={(e) => { e.preventDefault(); if (history.length > 1) history.back(); else navigate('/calls'); }}>{t.search.back}</a></div>
      <div class="span-6">
        <Panel title={`${t.search.detail}: ${rec.direction === 'outbound' ? rec.to : rec.from}`} id="call-facts">
          <dl class="row">
            <dt class="muted">{t.search.started}</dt><dd>{dateTime(rec.startedAt)}</dd>
            <dt class="muted">{t.search.disposition}</dt><dd>{t.dispositions[rec.disposition] ?? rec.disposition}</dd>
            <dt class="muted">{t.search.wait}</dt><dd>{dur(rec.waitSeconds)}</dd>
            <dt class="muted">{t.search.talk}</dt><dd>{dur(rec.talkSeconds)}</dd>
            {rec.queue && <><dt class="muted">{t.search.queue}</dt><dd>{rec.queue.id}</dd></>}
            {rec.agent && <><dt class="muted">{t.search.agent}</dt><dd>{rec.agent.name ?? rec.agent.id}</dd></>}
            {rec.flow && <><dt class="muted">{t.calls.flow}</dt><dd>{rec.flow.id}</dd></>}
          </dl>
        </Panel>
        <Panel title={t.search.recording} id="call-recording">
          {audio ? <audio controls preload="metadata" src={`/api/recordings/${encodeURIComponent(audio)}/audio`} data-testid="recording" /> : <Empty>{t.search.noRecording}</Empty>}
        </Panel>
      </div>
      <div class="span-6">
        <Panel title={t.search.timeline} id="call-timeline">
          <ol class="timeline" data-testid="timeline">{items.map((x, i) => <li key={i} data-kind={x.kind}><time>{clockTime(x.at)}</time><span>{timelineText(x)}</span></li>)}</ol>
        </Panel>
      </div>
    </div>
  );
}

function timelineText(x: TimelineItem): string {
  const t = tr.value.search.t;
  const d = tr.value.dispositions;
  switch (x.kind) {
    case 'started': return t.started({ direction: x.direction, number: x.number });
    case 'step': return t.step({ node: x.node, digits: x.digits });
    case 'queued': return t.queued({ queue: x.queue, wait: num(x.wait) });
    case 'answered': return t.answered({ agent: x.agent });
    case 'left': return t.left({ outcome: x.outcome });
    case 'ended': return t.ended({ disposition: d[x.disposition] ?? x.disposition, talk: num(x.talk) });
    case 'wrapUp': return `${t.wrapUp({ disposition: x.disposition })}${x.notes ? ` — ${x.notes}` : ''}`;
  }
}
