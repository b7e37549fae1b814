// The tabular shape of each report for CSV/XLSX: one column per figure, in the order a
// contact-centre manager reads them.
import type { Sheet } from './export.ts';
import type { AgentPerformance, CampaignResults, IvrNodeStats, QueueKpis } from './ports.ts';

const kpiColumns: Sheet<QueueKpis>['columns'] = [
  { key: 'queue', header: 'queue', value: (r) => r.queueId },
  { key: 'offered', header: 'offered', value: (r) => r.offered },
  { key: 'answered', header: 'answered', value: (r) => r.answered },
  { key: 'abandoned', header: 'abandoned', value: (r) => r.abandoned },
  { key: 'abandonedShort', header: 'abandoned short', value: (r) => r.abandonedShort },
  { key: 'timeouts', header: 'timeouts', value: (r) => r.timeouts },
  { key: 'answeredWithinSl', header: 'answered within SL', value: (r) => r.answeredWithinSl },
  { key: 'sl', header: 'SL threshold (s)', value: (r) => r.serviceLevelSec },
  { key: 'slPct', header: 'SL %', value: (r) => r.serviceLevelPct },
  { key: 'asa', header: 'ASA (s)', value: (r) => r.asaSec },
  { key: 'aht', header: 'AHT (s)', value: (r) => r.ahtSec },
  { key: 'longest', header: 'longest wait (s)', value: (r) => r.longestWaitSec },
  { key: 'exitKey', header: 'exit key', value: (r) => r.exitKey },
  { key: 'rejected', header: 'rejected (full / no agents)', value: (r) => r.rejectedFull + r.rejectedNoAgents },
];

export function queueSheets(r: { totals: QueueKpis[]; intervals: QueueKpis[] }, withIntervals: boolean): Sheet[] {
  const totals: Sheet<QueueKpis> = { name: 'queues', columns: kpiColumns, rows: r.totals };
  const intervals: Sheet<QueueKpis> = { name: 'intervals', columns: [{ key: 'interval', header: 'interval', value: (x) => x.local }, ...kpiColumns], rows: r.intervals };
  return (withIntervals ? [intervals, totals] : [totals]) as Sheet[];
}

export function agentSheet(agents: AgentPerformance[]): Sheet {
  const reasons = [...new Set(agents.flatMap((a) => Object.keys(a.pausedByReason)))].sort();
  const sheet: Sheet<AgentPerformance> = {
    name: 'agents',
    columns: [
      { key: 'agent', header: 'agent', value: (a) => a.agentId },
      { key: 'calls', header: 'calls', value: (a) => a.calls },
      { key: 'rna', header: 'rang, not answered', value: (a) => a.ringNoAnswer },
      { key: 'talk', header: 'talk (s)', value: (a) => a.talkSec },
      { key: 'wrap', header: 'wrap-up (s)', value: (a) => a.wrapUpSec },
      { key: 'available', header: 'available (s)', value: (a) => a.secondsIn.available ?? 0 },
      { key: 'paused', header: 'paused (s)', value: (a) => a.secondsIn.paused ?? 0 },
      ...reasons.map((r) => ({ key: `pause:${r}`, header: `paused: ${r} (s)`, value: (a: AgentPerformance) => a.pausedByReason[r] ?? 0 })),
      { key: 'occupancy', header: 'occupancy %', value: (a) => a.occupancyPct },
    ],
    rows: agents,
  };
  return sheet as Sheet;
}

export function campaignSheets(cs: CampaignResults[]): Sheet[] {
  const outcomes = [...new Set(cs.flatMap((c) => Object.keys(c.byOutcome)))].sort();
  const totals: Sheet<CampaignResults> = {
    name: 'campaigns',
    columns: [
      { key: 'campaign', header: 'campaign', value: (c) => c.campaignId },
      { key: 'rows', header: 'rows dialled', value: (c) => c.rows },
      { key: 'attempts', header: 'attempts', value: (c) => c.attempts },
      { key: 'contacted', header: 'rows contacted', value: (c) => c.rowsContacted },
      { key: 'rate', header: 'contact rate %', value: (c) => c.contactRatePct },
      ...outcomes.map((o) => ({ key: `o:${o}`, header: o, value: (c: CampaignResults) => c.byOutcome[o] ?? 0 })),
    ],
    rows: cs,
  };
  type H = { campaignId: string; hour: string; attempts: number; answered: number };
  const byHour: Sheet<H> = {
    name: 'by hour',
    columns: [
      { key: 'campaign', header: 'campaign', value: (h) => h.campaignId },
      { key: 'hour', header: 'hour', value: (h) => h.hour },
      { key: 'attempts', header: 'attempts', value: (h) => h.attempts },
      { key: 'answered', header: 'answered', value: (h) => h.answered },
    ],
    rows: cs.flatMap((c) => c.byHour.map((h) => ({ campaignId: c.campaignId, ...h }))),
  };
  return [totals, byHour] as Sheet[];
}

export function ivrSheet(nodes: IvrNodeStats[]): Sheet {
  const sheet: Sheet<IvrNodeStats> = {
    name: 'ivr',
    columns: [
      { key: 'flow', header: 'flow', value: (n) => n.flowId },
      { key: 'node', header: 'node', value: (n) => n.node },
      { key: 'calls', header: 'calls', value: (n) => n.calls },
      { key: 'visits', header: 'visits', value: (n) => n.visits },
      { key: 'options', header: 'options taken', value: (n) => n.options.map((o) => `${o.digits}: ${o.count}`).join(', ') },
      { key: 'ended', header: 'ended here', value: (n) => n.endedHere },
      { key: 'dropped', header: 'caller hung up here', value: (n) => n.droppedHere },
    ],
    rows: nodes,
  };
  return sheet as Sheet;
}
