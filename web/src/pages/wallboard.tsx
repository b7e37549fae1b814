// The supervisor's wallboard: today's totals, one card per queue (waiting with the longest
// wait ticking, SL against the queue's threshold, ASA/AHT, staffing), agents with time in
// state, waiting callers, active calls, campaigns, business hours and the live event log.
// Every figure is the server's; colours follow the thresholds the server sends.
import { tr, num, pct, dur } from '../i18n/index.ts';
import { now } from '../lib/clock.ts';
import { useEffect } from 'preact/hooks';
import { agents, calls, loadError, loaded, pauseReasons, queues, startLive, today, waiting } from '../lib/store.ts';
import { lang } from '../i18n/index.ts';
import { abandonedPct, levelAbove, levelBelow, worst } from '../../../src/wallboard/levels.ts';
import type { AgentRow, QueueRow } from '../../../src/wallboard/types.ts';
import { Empty, LevelWord, lvClass, Panel, Since, StateBadge } from '../components/ui.tsx';
import { memo } from '../components/memo.ts';
import type { Bound, CallRow, WaitingRow } from '../../../src/wallboard/types.ts';
import { CampaignsPanel, EventLog, HoursPanel } from './wallboard-panels.tsx';

export function Wallboard() {
  const t = tr.value;
  useEffect(() => { void startLive(); }, []);
  if (!loaded.value) return <p role="status">{loadError.value ?? t.common.loading}</p>;
  return (
    <div class="grid" data-testid="wallboard">
      <div class="span-12"><Kpis /></div>
      <div class="span-12"><Queues /></div>
      <div class="span-8"><Agents /></div>
      <div class="span-4"><Waiting /></div>
      <div class="span-12"><Calls /></div>
      <div class="span-6"><CampaignsPanel /></div>
      <div class="span-6"><HoursPanel /></div>
      <div class="span-12"><EventLog /></div>
    </div>
  );
}

function Kpis() {
  const t = tr.value;
  const td = today.value;
  const list = [...agents.value.values()];
  const n = (s: string) => list.filter((a) => a.state === s).length;
  const waitingNow = [...queues.value.values()].reduce((s, q) => s + q.waiting, 0);
  const items: [key: string, label: string, value: string, hint?: string][] = [
    ...(td ? [['calls', t.kpi.callsToday, num(td.calls), td.source === 'history' ? t.kpi.fromHistory : t.kpi.sinceStart], ['answered', t.kpi.answered, num(td.answered)], ['abandoned', t.kpi.abandoned, num(td.abandoned)]] as [string, string, string, string?][] : []),
    ['live', t.kpi.live, num(calls.value.size)], ['waiting', t.kpi.waiting, num(waitingNow)],
    ['available', t.kpi.agentsAvailable, num(n('available'))], ['on-call', t.kpi.agentsOnCall, num(n('onCall') + n('ringing'))], ['wrap-up', t.kpi.agentsWrap, num(n('wrapUp'))], ['paused', t.kpi.agentsPaused, num(n('paused'))],
  ];
  return (
    <div class="kpis" role="list" aria-label={t.nav.wallboard}>
      {items.map(([key, label, value, hint]) => (
        <div class="kpi" role="listitem" title={hint} data-kpi={key}><b>{value}</b><span>{label}</span></div>
      ))}
    </div>
  );
}

function queueLevel(q: QueueRow, longest: number | null) {
  const th = q.thresholds;
  return {
    waiting: levelAbove(q.waiting, th.waiting), longest: levelAbove(longest, th.longestWaitSec),
    sl: levelBelow(q.serviceLevelPct, th.serviceLevelPct), abandoned: levelAbove(abandonedPct(q.offered, q.abandoned), th.abandonedPct),
  };
}

function Queues() {
  const t = tr.value;
  const rows = [...queues.value.values()].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <Panel title={t.queue.title} id="queues">
      {rows.length === 0 ? <Empty>{t.queue.none}</Empty> : (
        <div class="queues">{rows.map((q) => <QueueCard key={q.id} q={q} />)}</div>
      )}
    </Panel>
  );
}

function QueueCard({ q }: { q: QueueRow }) {
  const t = tr.value;
  const longest = q.oldestWaitSince ? Math.max(0, (now.value - q.oldestWaitSince) / 1000) : null;
  const lv = queueLevel(q, longest);
  const card = worst(lv.waiting, lv.longest, lv.sl, lv.abandoned);
  return (
    <article class={`qcard ${lvClass(card)}`} data-queue={q.id} data-level={card} aria-label={q.name}>
      <h3><span>{q.name}</span><LevelWord level={card} /></h3>
      <div class="big">
        <div class={`fig ${lvClass(lv.waiting)}`} data-fig="waiting"><b>{num(q.waiting)}</b><span>{t.queue.waiting}</span></div>
        <div class={`fig ${lvClass(lv.longest)}`} data-fig="longest"><b>{dur(longest)}</b><span>{t.queue.longest}</span></div>
        <div class={`fig ${lvClass(lv.sl)}`} data-fig="sl" title={t.queue.slWithin({ sec: q.serviceLevelSec })}><b>{pct(q.serviceLevelPct)}</b><span>{t.queue.sl} ({q.serviceLevelSec} s)</span></div>
      </div>
      <dl>
        <dt>{t.queue.offered}</dt><dt>{t.queue.answered}</dt><dt>{t.queue.abandoned}</dt><dt>{t.queue.asa} / {t.queue.aht}</dt>
        <dd data-fig="offered">{num(q.offered)}</dd><dd data-fig="answered">{num(q.answered)}</dd>
        <dd data-fig="abandoned" class={`fig ${lvClass(lv.abandoned)}`}>{num(q.abandoned)}</dd><dd data-fig="asa">{dur(q.asaSec)} / {dur(q.ahtSec)}</dd>
        <dt>{t.queue.staffed}</dt><dt>{t.queue.available}</dt><dt /><dt />
        <dd data-fig="staffed">{num(q.staffed)} / {num(q.members)}</dd><dd data-fig="available">{num(q.available)}</dd>
      </dl>
    </article>
  );
}

const STATE_ORDER: Record<string, number> = { ringing: 0, onCall: 1, wrapUp: 2, available: 3, paused: 4, loggedOut: 5 };

function Agents() {
  const t = tr.value;
  const rows = [...agents.value.values()].sort((a, b) => (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) || a.name.localeCompare(b.name));
  return (
    <Panel title={t.agents.title} count={rows.length} id="agents">
      {rows.length === 0 ? <Empty>{t.agents.none}</Empty> : (
        <div class="scroll" tabIndex={0} role="region" aria-label={t.agents.title}>
          <table>
            <thead><tr><th scope="col">{t.agents.name}</th><th scope="col">{t.agents.state}</th><th scope="col" class="num">{t.agents.inState}</th><th scope="col">{t.agents.call}</th><th scope="col">{t.agents.queues}</th><th scope="col" class="num">{t.agents.callsToday}</th><th scope="col" class="num">{t.agents.aht}</th></tr></thead>
            <tbody>{rows.map((a) => <AgentLine key={a.id} a={a} />)}</tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

const AgentLine = memo(function AgentLine({ a }: { a: AgentRow }) {
  const th = a.queueId ? queues.value.get(a.queueId)?.thresholds : [...queues.value.values()][0]?.thresholds;
  const level = (sec: number) => (!th ? 'ok' : a.state === 'paused' ? levelAbove(sec, th.pausedSec) : a.state === 'wrapUp' ? levelAbove(sec, th.wrapUpSec) : 'ok');
  const names = a.queues.map((id) => queues.value.get(id)?.name ?? id).join(', ');
  return (
    <tr data-agent={a.id} data-state={a.state}>
      <th scope="row">{a.name}</th>
      <td><StateBadge state={a.state} />{a.reason && <span class="muted small" data-fig="reason"> · {pauseReasons.value.get(a.reason)?.[lang.value] ?? a.reason}</span>}</td>
      <td class="num"><Since from={a.since} level={level} /></td>
      <td>{a.callId ? <span>{a.caller ?? ''}{a.callSince ? <> · <Since from={a.callSince} /></> : null}</span> : <span class="muted">—</span>}</td>
      <td class="small">{names}</td>
      <td class="num" data-fig="calls-today">{num(a.callsToday)}</td>
      <td class="num">{dur(a.ahtSec)}</td>
    </tr>
  );
});

function Waiting() {
  const t = tr.value;
  const rows = [...waiting.value.values()].flat().sort((a, b) => a.joinedAt - b.joinedAt);
  return (
    <Panel title={t.waiting.title} count={rows.length} id="waiting">
      {rows.length === 0 ? <Empty>{t.waiting.none}</Empty> : (
        <div class="scroll" tabIndex={0} role="region" aria-label={t.waiting.title}>
          <table>
            <thead><tr><th scope="col" class="num">{t.waiting.position}</th><th scope="col">{t.waiting.queue}</th><th scope="col">{t.waiting.caller}</th><th scope="col" class="num">{t.waiting.wait}</th></tr></thead>
            <tbody>
              {rows.map((w) => { const q = queues.value.get(w.queueId); return <WaitingLine key={w.callId} w={w} queueName={q?.name ?? w.queueId} bound={q?.thresholds.longestWaitSec} />; })}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

function Calls() {
  const t = tr.value;
  const rows = [...calls.value.values()].sort((a, b) => a.startedAt - b.startedAt);
  return (
    <Panel title={t.calls.title} count={rows.length} id="calls">
      {rows.length === 0 ? <Empty>{t.calls.none}</Empty> : (
        <div class="scroll" tabIndex={0} role="region" aria-label={t.calls.title}>
          <table>
            <thead><tr><th scope="col">{t.calls.caller}</th><th scope="col">{t.calls.flow}</th><th scope="col">{t.calls.node}</th><th scope="col">{t.calls.queue}</th><th scope="col">{t.calls.agent}</th><th scope="col" class="num">{t.calls.duration}</th></tr></thead>
            <tbody>
              {rows.map((c) => <CallLine key={c.callId} c={c} queueName={c.queueId ? queues.value.get(c.queueId)?.name ?? c.queueId : undefined} agentName={c.agentId ? agents.value.get(c.agentId)?.name ?? c.agentId : undefined} />)}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

const WaitingLine = memo(function WaitingLine({ w, queueName, bound }: { w: WaitingRow; queueName: string; bound: Bound | undefined }) {
  const t = tr.value;
  return (
    <tr data-call={w.callId}>
      <td class="num">{w.position}</td>
      <td>{queueName}{w.phase !== 'waiting' && <span class="muted small"> · {t.waiting.phases[w.phase]}</span>}</td>
      <td>{w.caller}</td>
      <td class="num"><Since from={w.joinedAt} level={(s) => (bound ? levelAbove(s, bound) : 'ok')} /></td>
    </tr>
  );
});

const CallLine = memo(function CallLine({ c, queueName, agentName }: { c: CallRow; queueName: string | undefined; agentName: string | undefined }) {
  const t = tr.value;
  return (
    <tr data-call={c.callId}>
      <td>{c.direction === 'outbound' ? c.to : c.from}<span class="muted small"> · {c.direction === 'outbound' ? t.calls.outbound : t.calls.inbound}</span></td>
      <td>{c.flowId}{c.campaignId && <span class="muted small"> · {c.campaignId}</span>}</td>
      <td data-fig="node">{c.node ?? '—'}</td>
      <td>{queueName ?? '—'}</td>
      <td>{agentName ?? '—'}</td>
      <td class="num"><Since from={c.startedAt} /></td>
    </tr>
  );
});
