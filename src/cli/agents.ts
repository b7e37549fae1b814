// `centralita agents …`: list agents and queues, log in/out, pause/unpause. It talks to the
// running app's HTTP API (the app owns the live agent state machines; writing Redis behind
// its back would not reach them), found through DATA_DIR/running.json or --url.
import type { Command } from 'commander';
import { apiRequest, resolveApi } from './api-client.ts';

export interface AgentsCliIo {
  fetch: typeof fetch;
  out: (line: string) => void;
  err: (line: string) => void;
}

interface AgentRow { agentId: string; name?: string; state: string; pauseReason?: string; queues?: string[]; device?: string; answered?: number; occupancyPct?: number | null }
interface QueueRow { queueId: string; strategy: string; waitingNow: number; longestWaitSec: number; offered: number; answered: number; abandoned: number; serviceLevelPct: number | null; asaSec: number | null; ahtSec: number | null; staffed: number; availableNow: number }

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

export function formatAgents(agents: AgentRow[]): string[] {
  return table([
    ['AGENT', 'NAME', 'STATE', 'REASON', 'DEVICE', 'ANSWERED', 'OCCUPANCY', 'QUEUES'],
    ...agents.map((a) => [a.agentId, a.name ?? '', a.state, a.pauseReason ?? '', a.device ?? '', String(a.answered ?? 0), a.occupancyPct == null ? '-' : `${a.occupancyPct}%`, (a.queues ?? []).join(',')]),
  ]);
}

export function formatQueues(queues: QueueRow[]): string[] {
  const n = (x: number | null, unit = '') => (x === null ? '-' : `${x}${unit}`);
  return table([
    ['QUEUE', 'STRATEGY', 'WAITING', 'LONGEST', 'OFFERED', 'ANSWERED', 'ABANDONED', 'SL', 'ASA', 'AHT', 'STAFFED', 'FREE'],
    ...queues.map((q) => [q.queueId, q.strategy, String(q.waitingNow), `${q.longestWaitSec}s`, String(q.offered), String(q.answered), String(q.abandoned), n(q.serviceLevelPct, '%'), n(q.asaSec, 's'), n(q.ahtSec, 's'), String(q.staffed), String(q.availableNow)]),
  ]);
}

async function call(io: AgentsCliIo, url: string | undefined, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  return apiRequest(await resolveApi(url ? { url } : {}), method, path, body, io);
}

export function registerAgentCommands(program: Command, io: AgentsCliIo = { fetch, out: (l) => console.log(l), err: (l) => console.error(l) }): void {
  const agents = program.command('agents').description('ACD agents and queues of the running app (HTTP API)')
    .option('--url <url>', 'base URL of the running app (default: the app on this machine, from DATA_DIR/running.json)')
    .option('--json', 'print JSON');
  // Resolved only when a sub-command runs, through the one validated config reader.
  const base = () => (agents.opts() as { url?: string }).url;
  const json = () => (agents.opts() as { json?: boolean }).json === true;
  const run = (fn: () => Promise<void>) => async () => {
    try { await fn(); } catch (err) { io.err(`error: ${(err as Error).message}`); process.exitCode = 1; }
  };

  agents.command('list').description('agents with state, pause reason, device and numbers over the window').option('--window <sec>', 'statistics window in seconds', '3600')
    .action((o: { window: string }) => run(async () => {
      const r = (await call(io, base(), 'GET', `/api/agents?windowSec=${encodeURIComponent(o.window)}`)) as { agents: AgentRow[] };
      if (json()) io.out(JSON.stringify(r.agents, null, 2)); else for (const l of formatAgents(r.agents)) io.out(l);
    })());
  agents.command('queues').description('queue statistics: waiting, longest wait, offered, answered, abandoned, SL, ASA, AHT').option('--window <sec>', 'statistics window in seconds', '3600')
    .action((o: { window: string }) => run(async () => {
      const r = (await call(io, base(), 'GET', `/api/queues?windowSec=${encodeURIComponent(o.window)}`)) as { queues: QueueRow[] };
      if (json()) io.out(JSON.stringify(r.queues, null, 2)); else for (const l of formatQueues(r.queues)) io.out(l);
    })());
  for (const action of ['login', 'logout', 'unpause'] as const) {
    agents.command(`${action} <agentId>`).description(`${action} an agent`).action((id: string) => run(async () => {
      const a = (await call(io, base(), 'POST', `/api/agents/${encodeURIComponent(id)}/${action}`)) as { id: string; state: string };
      io.out(json() ? JSON.stringify(a) : `${a.id}: ${a.state}`);
    })());
  }
  agents.command('pause <agentId>').description('pause an agent (no calls offered) with a reason').option('-r, --reason <reason>', 'why (shown on the dashboard)', 'paused')
    .action((id: string, o: { reason: string }) => run(async () => {
      const a = (await call(io, base(), 'POST', `/api/agents/${encodeURIComponent(id)}/pause`, { reason: o.reason })) as { id: string; state: string; pauseReason?: string };
      io.out(json() ? JSON.stringify(a) : `${a.id}: ${a.state}${a.pauseReason ? ` (${a.pauseReason})` : ''}`);
    })());
}
