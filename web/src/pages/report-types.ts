// The reports API's answers (src/history/http.ts on the server; shapes of src/history/ports.ts).
export interface QueueKpis {
  queueId: string; start?: string; local?: string;
  offered: number; answered: number; answeredWithinSl: number; abandoned: number; abandonedShort: number; timeouts: number;
  serviceLevelPct: number | null; serviceLevelSec: number; asaSec: number | null; ahtSec: number | null; longestWaitSec: number;
}
export interface Range { from: string; to: string; timeZone: string }
export interface QueueReport { range: Range; intervalMin: number | null; totals: QueueKpis[]; intervals: QueueKpis[] }
export interface AgentReport { range: Range; agents: { agentId: string; calls: number; ringNoAnswer: number; talkSec: number; wrapUpSec: number; secondsIn: Record<string, number>; pausedByReason: Record<string, number>; occupancyPct: number | null }[] }
export interface CampaignReport { range: Range; campaigns: { campaignId: string; attempts: number; rows: number; rowsContacted: number; contactRatePct: number | null; byOutcome: Record<string, number>; byHour: { hour: string; attempts: number; answered: number }[] }[] }
export interface IvrReport { range: Range; nodes: { flowId: string; node: string; calls: number; visits: number; options: { digits: string; count: number }[]; endedHere: number; droppedHere: number }[] }
