// Queue configuration as ops write it in flows/queues.ts: typed builders plus a zod
// schema, so `flows check` and start-up reject a bad file with every problem listed.
// Pure: no I/O, no clock.
import { z } from 'zod';
import { CentralitaError } from '../errors.ts';

export const STRATEGIES = ['ringall', 'leastrecent', 'fewestcalls', 'random', 'rrmemory', 'linear', 'wrandom'] as const;
export type Strategy = (typeof STRATEGIES)[number];

const endpoint = z.string().regex(/^[A-Za-z0-9_-]+\/\S+$/, 'an Asterisk endpoint such as PJSIP/1001');
const agentId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1-64)');
const seconds = z.number().finite().min(0);

export const memberSchema = z.object({
  id: agentId,
  name: z.string().min(1).optional(),
  endpoint,
  /** Lower rings first; higher penalties only when nobody of a lower penalty is free. */
  penalty: z.number().int().min(0).max(1000).default(0),
  /** What the agent can handle (e.g. `en`, `billing-disputes`); callers may require skills. */
  skills: z.array(z.string().min(1)).default([]),
}).strict();

export const queueSchema = z.object({
  name: z.string().min(1).optional(),
  strategy: z.enum(STRATEGIES),
  members: z.array(memberSchema).min(1),
  ringTimeoutSec: z.number().positive().max(600).default(15),
  retrySec: seconds.max(600).default(5),
  wrapUpSec: seconds.max(3600).default(10),
  maxWaitSec: z.number().positive().max(24 * 3600).optional(),
  maxCallers: z.number().int().positive().optional(),
  /** Join when no agent could take a call (all logged out / paused / unavailable). */
  joinWhenEmpty: z.boolean().default(true),
  /** Leave (outcome no-agents) when the last agent able to take calls goes away. */
  leaveWhenEmpty: z.boolean().default(false),
  mohClass: z.string().min(1).default('default'),
  announce: z.object({
    frequencySec: z.number().positive().max(3600),
    position: z.boolean().default(true),
    estimatedWait: z.boolean().default(true),
    language: z.string().min(2).optional(),
  }).strict().optional(),
  exitKey: z.string().regex(/^[0-9*#]$/, 'one DTMF key: 0-9, * or #').optional(),
  exitTarget: z.enum(['voicemail', 'callback']).optional(),
  serviceLevelSec: z.number().positive().default(20),
  /** Abandons quicker than this are "short" (counted separately, excluded from SL). */
  shortAbandonSec: seconds.default(5),
  record: z.boolean().default(false),
  /** A caller who required skills and waited this long is offered to any member (unset: never). */
  skillsRelaxSec: z.number().positive().max(24 * 3600).optional(),
}).strict();

export const QUEUE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const queuesFileSchema = z.record(z.string(), queueSchema);

export type QueueMemberInput = z.input<typeof memberSchema>;
export type QueueInput = z.input<typeof queueSchema>;
export type QueueMember = z.output<typeof memberSchema>;
export type QueueConfig = z.output<typeof queueSchema> & { id: string };
export type QueuesConfig = Record<string, QueueConfig>;

export class QueueConfigError extends CentralitaError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('ACD_CONFIG_INVALID', `invalid queue configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Validates and normalises the queues file; throws QueueConfigError listing every problem. */
export function defineQueues(input: Record<string, QueueInput>): QueuesConfig {
  // Queue ids are checked here (not as record keys) so every bad id and every bad field
  // of the same queue are reported together.
  const problems: string[] = Object.keys(input).filter((id) => !QUEUE_ID.test(id)).map((id) => `${id}: queue ids are lowercase letters, digits, _ and - (max 64)`);
  const r = queuesFileSchema.safeParse(input);
  if (!r.success) problems.push(...r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  if (!r.success || problems.length) throw new QueueConfigError(problems);
  // One agent is one phone: the same id with two endpoints would book a person twice.
  const endpoints = new Map<string, { endpoint: string; queue: string }>();
  const out: QueuesConfig = {};
  for (const [id, q] of Object.entries(r.data)) {
    const seen = new Set<string>();
    for (const m of q.members) {
      if (seen.has(m.id)) problems.push(`${id}.members: agent ${m.id} listed twice`);
      seen.add(m.id);
      const prev = endpoints.get(m.id);
      if (prev && prev.endpoint !== m.endpoint) problems.push(`${id}.members: agent ${m.id} has endpoint ${m.endpoint} here but ${prev.endpoint} in queue ${prev.queue}`);
      else endpoints.set(m.id, { endpoint: m.endpoint, queue: id });
    }
    if (q.exitTarget && !q.exitKey) problems.push(`${id}.exitTarget: set exitKey too (the key the caller presses)`);
    if (q.maxWaitSec !== undefined && q.maxWaitSec < q.ringTimeoutSec) problems.push(`${id}.maxWaitSec (${q.maxWaitSec}) is shorter than ringTimeoutSec (${q.ringTimeoutSec}): no agent could ever answer`);
    out[id] = { ...q, id };
  }
  if (problems.length) throw new QueueConfigError(problems);
  return out;
}

export interface AgentDirectoryEntry { id: string; name?: string; endpoint: string; queues: string[] }

/** Every agent across queues (an agent in several queues appears once). */
export function agentDirectory(queues: QueuesConfig): Map<string, AgentDirectoryEntry> {
  const out = new Map<string, AgentDirectoryEntry>();
  for (const q of Object.values(queues)) {
    for (const m of q.members) {
      const a = out.get(m.id);
      if (a) { a.queues.push(q.id); if (!a.name && m.name) a.name = m.name; }
      else out.set(m.id, { id: m.id, name: m.name, endpoint: m.endpoint, queues: [q.id] });
    }
  }
  return out;
}
