// The first thing `centralita start` does (issue 14, no dead air): before the full start-up
// is imported (seconds on a loaded machine), calls a killed process left live in our Stasis
// app are handed back to the dialplan (a campaign call is hung up, so its attempt is dialled
// again). Their records are written later by the call service (recoverInterrupted), once the
// record sinks exist: the journal entries stay on disk until then, marked as handed back.
// Best effort and bounded: anything it cannot do is left to recoverInterrupted.
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { loadConfig } from '../config.ts';
import { rescueChannels } from '../telephony/ari/rescue.ts';
import { createLiveCallJournal } from './live-journal.ts';

export interface EarlyHandBack { handedBack: number; gone: number; failed: number; ms: number }

export async function earlyHandBack(env: Record<string, string | undefined>, now: () => number = Date.now): Promise<EarlyHandBack | undefined> {
  const t0 = now();
  let config;
  try { config = loadConfig(env); } catch { return undefined; } // the full start-up reports config errors
  // The embedded simulator died with the previous process: nothing is waiting on it.
  if (config.ari.mode !== 'external') return undefined;
  const dir = resolve(config.dataDir, 'live-calls');
  if (!existsSync(dir)) return undefined;
  const journal = createLiveCallJournal(dir);
  const left = journal.leftovers().filter((e) => !e.handedBack);
  if (left.length === 0) return undefined;
  const outcome = await rescueChannels(
    { url: config.ari.url, user: config.ari.user, password: config.ari.password, timeoutMs: Math.min(2000, config.ari.requestTimeoutMs) },
    left.map((e) => ({ channelId: e.input.channelId, action: e.input.campaign ? 'hangup' : 'continue' })),
  );
  const r: EarlyHandBack = { handedBack: 0, gone: 0, failed: 0, ms: 0 };
  for (const [channelId, o] of outcome) {
    if (o === 'failed') { r.failed++; continue; }
    if (o === 'handed-back') r.handedBack++; else r.gone++;
    journal.markHandedBack(channelId);
  }
  r.ms = now() - t0;
  return r;
}
