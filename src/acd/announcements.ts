// Periodic announcements to waiting callers (position, estimated wait) and the rule that
// keeps them from becoming dead air: music on hold comes back after every announcement,
// whether it ended, failed (a missing prompt), was refused, or never reported its end.
import { announcementMedia, estimateWaitSec } from './announce.ts';
import type { AgentPool } from './agents.ts';
import { computeQueueStats, type AcdEvent } from './stats.ts';
import { callerLog, swallow, type AcdRuntime, type Caller } from './runtime.ts';

/** Longest an announcement may take per media item before MOH is restored anyway. */
const MAX_ANNOUNCEMENT_MS_PER_ITEM = 8_000;

export function createAnnouncements(rt: AcdRuntime, agents: AgentPool, events: () => readonly AcdEvent[]) {
  const { telephony, clock } = rt;
  const waiting = (c: Caller) => c.phase === 'waiting' || c.phase === 'ringing' || c.phase === 'retry';

  function schedule(c: Caller): void {
    const ann = c.queue.announce;
    if (!ann) return;
    c.announceTimer = clock.setTimeout(() => {
      c.announceTimer = undefined;
      if (!waiting(c)) return;
      void announce(c);
      schedule(c);
    }, ann.frequencySec * 1000);
  }

  function positionOf(c: Caller): number {
    let pos = 1;
    for (const o of rt.callers.values()) if (o.queue === c.queue && o.phase !== 'bridged' && o.seq < c.seq) pos++;
    return pos;
  }

  /** The announcement is over, however it ended: back to music on hold if still waiting. */
  function ended(c: Caller, playbackId: string, how: 'done' | 'stopped' | 'failed' | 'refused' | 'lost'): void {
    if (c.announcing !== playbackId) return;
    c.announcing = undefined;
    clock.clearTimeout(c.announceGuard);
    c.announceGuard = undefined;
    if (how === 'failed' || how === 'refused' || how === 'lost') {
      rt.counters.announcementFailures!++;
      callerLog(rt, c).warn({ playbackId, how }, 'queue announcement did not play; music on hold restored');
    }
    if (how === 'lost') telephony.stopPlayback(playbackId).catch(() => {});
    if (waiting(c)) telephony.startMoh(c.channelId, c.queue.mohClass).catch(swallow(rt, 'startMoh', { callId: c.callId }));
  }

  async function announce(c: Caller): Promise<void> {
    const ann = c.queue.announce!;
    if (c.announcing) return;
    const position = positionOf(c);
    const now = clock.now();
    const st = computeQueueStats(c.queue.id, events(), { from: now - 3600_000, to: now, serviceLevelSec: c.queue.serviceLevelSec, shortAbandonSec: c.queue.shortAbandonSec });
    const est = estimateWaitSec(position, agents.staffedCount(c.queue), st.ahtSec, rt.memory.get(c.queue.id)!.smoothedHoldSec);
    const media = announcementMedia({ position, estimatedWaitSec: est, sayPosition: ann.position, sayEstimatedWait: ann.estimatedWait });
    if (!media.length) return;
    // Our own id, known before the request: Asterisk may report the end (a missing prompt
    // fails at once) before the 201 of /play arrives.
    const playbackId = `${c.callId}-ann-${now}`;
    c.announcing = playbackId;
    try {
      await telephony.stopMoh(c.channelId);
    } catch (err) {
      swallow(rt, 'stopMoh', { callId: c.callId })(err);
    }
    if (c.announcing !== playbackId) return;
    if (!waiting(c)) { c.announcing = undefined; return; }
    c.announceGuard = clock.setTimeout(() => ended(c, playbackId, 'lost'), MAX_ANNOUNCEMENT_MS_PER_ITEM * media.length);
    try {
      await telephony.play(c.channelId, media, { language: ann.language ?? c.language, playbackId });
    } catch (err) {
      callerLog(rt, c).debug({ err }, 'announcement refused by the PBX');
      ended(c, playbackId, 'refused');
    }
  }

  /** A PlaybackFinished: one of the callers' announcements? */
  function onPlaybackFinished(playbackId: string, state: 'done' | 'stopped' | 'failed'): boolean {
    for (const c of rt.callers.values()) {
      if (c.announcing !== playbackId) continue;
      ended(c, playbackId, state);
      return true;
    }
    return false;
  }

  /** The caller is leaving or being bridged: the announcement stops (no MOH restart). */
  function cancel(c: Caller): Promise<void> | undefined {
    const id = c.announcing;
    c.announcing = undefined;
    clock.clearTimeout(c.announceGuard);
    c.announceGuard = undefined;
    return id ? telephony.stopPlayback(id).catch(swallow(rt, 'stopPlayback')) : undefined;
  }

  /** After a reconnect: an announcement that ended while the socket was down never said so. */
  async function resync(): Promise<void> {
    await Promise.all([...rt.callers.values()].map(async (c) => {
      const id = c.announcing;
      if (!id) return;
      try {
        if ((await telephony.playbackState(id)) === undefined) ended(c, id, 'done');
      } catch (err) {
        swallow(rt, 'playbackState', { callId: c.callId })(err);
      }
    }));
  }

  return { schedule, onPlaybackFinished, cancel, resync };
}

export type Announcements = ReturnType<typeof createAnnouncements>;
