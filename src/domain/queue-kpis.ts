// The queue figures the live statistics (src/acd/stats.ts, `/api/queues`) and the stored
// reports (src/history, `/api/reports/queues`) both give, declared once so the two cannot
// drift apart: same names, same definitions.
export interface QueueKpiFigures {
  queueId: string;
  offered: number;
  answered: number;
  answeredWithinSl: number;
  abandoned: number;
  abandonedShort: number;
  timeouts: number;
  exitKey: number;
  leftEmpty: number;
  rejectedFull: number;
  rejectedNoAgents: number;
  completed: number;
  /** Answered within the threshold / (answered + abandoned beyond the short threshold + timeouts), in %. */
  serviceLevelPct: number | null;
  asaSec: number | null;
  ahtSec: number | null;
  avgTalkSec: number | null;
  longestWaitSec: number;
}
