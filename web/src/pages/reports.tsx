// Reports from the system of record (GET /api/reports/*): queues per interval, agents,
// campaigns and the phone menu (IVR paths), for a date range with presets, as tables and
// charts, with CSV and Excel exports of exactly what is shown (same query, format=csv|xlsx).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { tr, lang, num, pct, dur } from '../i18n/index.ts';
import { api, qs } from '../lib/api.ts';
import { Chart, type ChartSeries } from '../components/chart.tsx';
import { Empty, Panel } from '../components/ui.tsx';
import type { AgentReport, CampaignReport, IvrReport, QueueReport } from './report-types.ts';

type Tab = 'queues' | 'agents' | 'campaigns' | 'ivr';
const TABS: Tab[] = ['queues', 'agents', 'campaigns', 'ivr'];

const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
function preset(p: 'today' | 'yesterday' | 'last7' | 'last30'): { from: string; to: string } {
  const d = new Date();
  const back = (n: number) => { const x = new Date(d); x.setDate(x.getDate() - n); return iso(x); };
  if (p === 'today') return { from: iso(d), to: iso(d) };
  if (p === 'yesterday') return { from: back(1), to: back(1) };
  return { from: back(p === 'last7' ? 6 : 29), to: iso(d) };
}

export function Reports() {
  const t = tr.value;
  const init = new URLSearchParams(location.search);
  const [tab, setTab] = useState<Tab>((TABS as string[]).includes(init.get('tab') ?? '') ? (init.get('tab') as Tab) : 'queues');
  const [range, setRange] = useState(() => ({ from: init.get('from') ?? preset('today').from, to: init.get('to') ?? preset('today').to }));
  const [interval, setIntervalMin] = useState(init.get('interval') ?? '60');
  const [data, setData] = useState<unknown>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const params = useMemo(() => ({ from: range.from, to: range.to, ...(tab === 'queues' ? { interval } : {}) }), [range, tab, interval]);
  useEffect(() => {
    let stop = false;
    setLoading(true);
    setError(null);
    history.replaceState(null, '', `/reports${qs({ tab, ...params })}`);
    api(`/api/reports/${tab}${qs(params)}`).then((d) => { if (!stop) setData(d); }, (e: Error) => { if (!stop) { setError(e.message); setData(null); } }).finally(() => { if (!stop) setLoading(false); });
    return () => { stop = true; };
  }, [tab, params]);
  const exportUrl = (format: 'csv' | 'xlsx') => `/api/reports/${tab}${qs({ ...params, format, locale: lang.value })}`;
  return (
    <div class="grid" data-testid="reports">
      <div class="span-12">
        <Panel title={t.reports.title} id="report-controls">
          <div class="tabs" role="tablist" aria-label={t.reports.title}>
            {TABS.map((x) => <button key={x} type="button" role="tab" aria-selected={tab === x} aria-controls="report-body" onClick={() => { setData(null); setTab(x); }}>{t.reports[x]}</button>)}
          </div>
          <form class="row" onSubmit={(e) => e.preventDefault()} aria-label={t.reports.show}>
            <label>{t.reports.from}<input type="date" name="from" value={range.from} max={range.to} onChange={(e) => setRange({ ...range, from: (e.target as HTMLInputElement).value })} /></label>
            <label>{t.reports.to}<input type="date" name="to" value={range.to} min={range.from} onChange={(e) => setRange({ ...range, to: (e.target as HTMLInputElement).value })} /></label>
            {(['today', 'yesterday', 'last7', 'last30'] as const).map((p) => <button key={p} type="button" onClick={() => setRange(preset(p))}>{t.reports[p]}</button>)}
            {tab === 'queues' && (
              <label>{t.reports.interval}
                <select name="interval" value={interval} onChange={(e) => setIntervalMin((e.target as HTMLSelectElement).value)}>
                  {['15', '30', '60'].map((m) => <option key={m} value={m}>{t.reports.minutes({ n: m })}</option>)}
                </select>
              </label>
            )}
            <span class="grow" />
            <a class="btn" href={exportUrl('csv')} download data-testid="export-csv">{t.reports.exportCsv}</a>
            <a class="btn" href={exportUrl('xlsx')} download data-testid="export-xlsx">{t.reports.exportXlsx}</a>
          </form>
        </Panel>
      </div>
      <div class="span-12" id="report-body" role="tabpanel" aria-busy={loading}>
        {error ? <p class="error" role="alert">{error}</p> : !data ? <p role="status">{t.common.loading}</p>
          : tab === 'queues' ? <Queues r={data as QueueReport} />
          : tab === 'agents' ? <Agents r={data as AgentReport} />
          : tab === 'campaigns' ? <Campaigns r={data as CampaignReport} /> : <Ivr r={data as IvrReport} />}
      </div>
    </div>
  );
}

function Queues({ r }: { r: QueueReport }) {
  const t = tr.value;
  const c = t.reports.cols;
  const series = useMemo<{ x: number[]; s: ChartSeries[] }>(() => {
    // One point per interval start, summed over queues; SL from the summed counts.
    const by = new Map<string, { offered: number; answered: number; abandoned: number; within: number; base: number }>();
    for (const i of r.intervals) {
      const k = i.start ?? '';
      const a = by.get(k) ?? { offered: 0, answered: 0, abandoned: 0, within: 0, base: 0 };
      a.offered += i.offered; a.answered += i.answered; a.abandoned += i.abandoned; a.within += i.answeredWithinSl;
      a.base += i.answered + (i.abandoned - i.abandonedShort) + i.timeouts;
      by.set(k, a);
    }
    const keys = [...by.keys()].filter(Boolean).sort();
    const v = keys.map((k) => by.get(k)!);
    return {
      x: keys.map((k) => Date.parse(k) / 1000),
      s: [
        { label: t.reports.series.offered, values: v.map((a) => a.offered), color: '#3b6fd6', kind: 'bar' },
        { label: t.reports.series.answered, values: v.map((a) => a.answered), color: '#1b7a3a', kind: 'bar' },
        { label: t.reports.series.abandoned, values: v.map((a) => a.abandoned), color: '#b3261e', kind: 'bar' },
        { label: t.reports.series.sl, values: v.map((a) => (a.base ? Math.round((1000 * a.within) / a.base) / 10 : null)), color: '#8a5a00', kind: 'line', axis: 'right' },
      ],
    };
  }, [r, t]);
  return (
    <>
      <Panel title={t.reports.queues} id="report-queues">
        {r.totals.length === 0 ? <Empty>{t.reports.noData}</Empty> : (
          <table data-testid="report-table">
            <thead><tr><th scope="col">{c.queue}</th><th scope="col" class="num">{c.offered}</th><th scope="col" class="num">{c.answered}</th><th scope="col" class="num">{c.abandoned}</th><th scope="col" class="num">{c.sl}</th><th scope="col" class="num">{c.asa}</th><th scope="col" class="num">{c.aht}</th><th scope="col" class="num">{c.longest}</th></tr></thead>
            <tbody>{r.totals.map((q) => (
              <tr key={q.queueId} data-queue={q.queueId}><th scope="row">{q.queueId}</th><td class="num">{num(q.offered)}</td><td class="num">{num(q.answered)}</td><td class="num">{num(q.abandoned)}</td>
                <td class="num">{pct(q.serviceLevelPct)}</td><td class="num">{num(q.asaSec)}</td><td class="num">{num(q.ahtSec)}</td><td class="num">{num(q.longestWaitSec)}</td></tr>
            ))}</tbody>
          </table>
        )}
      </Panel>
      {series.x.length > 0 && <Panel title={t.reports.chartQueue} id="report-chart"><Chart title={t.reports.chartQueue} x={series.x} series={series.s} step={(r.intervalMin ?? 60) * 60} /></Panel>}
      {r.intervals.length > 0 && (
        <Panel title={`${t.reports.queues} · ${t.reports.interval}`} id="report-intervals">
          <div class="scroll" tabIndex={0} role="region" aria-label={`${t.reports.queues} · ${t.reports.interval}`}>
            <table>
              <thead><tr><th scope="col">{c.start}</th><th scope="col">{c.queue}</th><th scope="col" class="num">{c.offered}</th><th scope="col" class="num">{c.answered}</th><th scope="col" class="num">{c.abandoned}</th><th scope="col" class="num">{c.sl}</th><th scope="col" class="num">{c.asa}</th><th scope="col" class="num">{c.aht}</th></tr></thead>
              <tbody>{r.intervals.map((q) => (
                <tr key={`${q.start}-${q.queueId}`}><td>{q.local ?? q.start}</td><td>{q.queueId}</td><td class="num">{num(q.offered)}</td><td class="num">{num(q.answered)}</td><td class="num">{num(q.abandoned)}</td>
                  <td class="num">{pct(q.serviceLevelPct)}</td><td class="num">{num(q.asaSec)}</td><td class="num">{num(q.ahtSec)}</td></tr>
              ))}</tbody>
            </table>
          </div>
        </Panel>
      )}
    </>
  );
}

function Agents({ r }: { r: AgentReport }) {
  const t = tr.value;
  const c = t.reports.cols;
  return (
    <Panel title={t.reports.agents} id="report-agents">
      {r.agents.length === 0 ? <Empty>{t.reports.noData}</Empty> : (
        <table data-testid="report-table">
          <thead><tr><th scope="col">{c.agent}</th><th scope="col" class="num">{c.calls}</th><th scope="col" class="num">{c.ringNoAnswer}</th><th scope="col" class="num">{c.talk}</th><th scope="col" class="num">{c.wrap}</th><th scope="col" class="num">{c.paused}</th><th scope="col" class="num">{c.occupancy}</th></tr></thead>
          <tbody>{r.agents.map((a) => (
            <tr key={a.agentId}><th scope="row">{a.agentId}</th><td class="num">{num(a.calls)}</td><td class="num">{num(a.ringNoAnswer)}</td><td class="num">{dur(a.talkSec)}</td><td class="num">{dur(a.wrapUpSec)}</td>
              <td class="num">{dur(Object.values(a.pausedByReason).reduce((s, x) => s + x, 0))}</td><td class="num">{pct(a.occupancyPct)}</td></tr>
          ))}</tbody>
        </table>
      )}
    </Panel>
  );
}

function Campaigns({ r }: { r: CampaignReport }) {
  const t = tr.value;
  const c = t.reports.cols;
  const hours = useMemo(() => {
    const by = new Map<string, number>();
    for (const x of r.campaigns) for (const h of x.byHour) by.set(h.hour, (by.get(h.hour) ?? 0) + h.attempts);
    const keys = [...by.keys()].sort();
    return { x: keys.map((k) => Date.parse(k) / 1000), s: [{ label: t.reports.series.attempts, values: keys.map((k) => by.get(k)!), color: '#3b6fd6', kind: 'bar' }] as ChartSeries[] };
  }, [r, t]);
  return (
    <>
      <Panel title={t.reports.campaigns} id="report-campaigns">
        {r.campaigns.length === 0 ? <Empty>{t.reports.noData}</Empty> : (
          <table data-testid="report-table">
            <thead><tr><th scope="col">{c.campaign}</th><th scope="col" class="num">{c.rows}</th><th scope="col" class="num">{c.attempts}</th><th scope="col" class="num">{c.contacted}</th><th scope="col" class="num">{c.contactRate}</th><th scope="col">{t.campaigns.progress}</th></tr></thead>
            <tbody>{r.campaigns.map((x) => (
              <tr key={x.campaignId}><th scope="row">{x.campaignId}</th><td class="num">{num(x.rows)}</td><td class="num">{num(x.attempts)}</td><td class="num">{num(x.rowsContacted)}</td><td class="num">{pct(x.contactRatePct)}</td>
                <td class="small">{Object.entries(x.byOutcome).map(([k, v]) => `${t.campaigns.outcomes[k] ?? k} ${v}`).join(' · ')}</td></tr>
            ))}</tbody>
          </table>
        )}
      </Panel>
      {hours.x.length > 0 && <Panel title={t.reports.chartCampaign} id="report-chart"><Chart title={t.reports.chartCampaign} x={hours.x} series={hours.s} step={3600} /></Panel>}
    </>
  );
}

function Ivr({ r }: { r: IvrReport }) {
  const t = tr.value;
  const c = t.reports.cols;
  return (
    <Panel title={t.reports.ivr} id="report-ivr">
      {r.nodes.length === 0 ? <Empty>{t.reports.noData}</Empty> : (
        <table data-testid="report-table">
          <thead><tr><th scope="col">{c.flow}</th><th scope="col">{c.node}</th><th scope="col" class="num">{c.calls}</th><th scope="col" class="num">{c.visits}</th><th scope="col">{c.options}</th><th scope="col" class="num">{c.ended}</th><th scope="col" class="num">{c.dropped}</th></tr></thead>
          <tbody>{r.nodes.map((n) => (
            <tr key={`${n.flowId}/${n.node}`}><td>{n.flowId}</td><th scope="row">{n.node}</th><td class="num">{num(n.calls)}</td><td class="num">{num(n.visits)}</td>
              <td class="small">{n.options.map((o) => `${o.digits} (${o.count})`).join(', ') || '—'}</td><td class="num">{num(n.endedHere)}</td><td class="num">{num(n.droppedHere)}</td></tr>
          ))}</tbody>
        </table>
      )}
    </Panel>
  );
}
