// In the process that owns the Stasis application: campaign channels that end before anyone
// answers never reach a flow (no StasisStart), so no CallRecord says how they ended. This
// watcher turns their Dial status and ChannelDestroyed cause into an UnansweredAttempt on the
// call-outcome channel, for a dialler that may run in a worker receiving no PBX events at all.
import type { Logger } from '../logger.ts';
import type { Telephony } from '../telephony/port.ts';
import { isCampaignChannelId } from '../domain/campaign.ts';
import type { CallOutcomeChannel } from '../jobs/call-outcome.ts';

export function watchUnansweredAttempts(o: { telephony: Telephony; outcomes: CallOutcomeChannel; logger: Logger; maxTracked?: number }): () => void {
  const seen = new Map<string, { dialStatus?: string }>();
  const max = o.maxTracked ?? 50_000;
  const off = o.telephony.onEvent((ev) => {
    if (ev.type === 'dial') {
      if (!isCampaignChannelId(ev.peerId)) return;
      const s = seen.get(ev.peerId) ?? {};
      if (ev.status) s.dialStatus = ev.status.toUpperCase();
      seen.set(ev.peerId, s);
      if (seen.size > max) seen.delete(seen.keys().next().value!);
    } else if (ev.type === 'call.started') {
      seen.delete(ev.channel.id); // answered: its CallRecord is the outcome
    } else if (ev.type === 'channel.destroyed' && seen.has(ev.channelId)) {
      const s = seen.get(ev.channelId)!;
      seen.delete(ev.channelId);
      o.outcomes.publishUnanswered({ kind: 'unanswered', channelId: ev.channelId, cause: ev.cause, ...(s.dialStatus ? { dialStatus: s.dialStatus } : {}), at: ev.at })
        .catch((err: unknown) => o.logger.warn({ err, channelId: ev.channelId }, 'unanswered campaign attempt not published; its dialler falls back to its timeout'));
    }
  });
  return off;
}
