// Wrap-up: the agent's disposition code and notes must reach the HubSpot call engagement, but
// the call's record is published when the caller hangs up, before the agent has typed them.
// So a record handled by an agent is queued held back (`holdMs`) and released as soon as the
// wrap-up arrives, with the wrap-up in it; a wrap-up that comes before the record is kept and
// put in at publish time; one that comes after the hold ran out is refused as too late (the
// call was logged without it). No HubSpot request is ever made twice for a call.
import type { CallRecord, WrapUp } from '../domain/call-record.ts';
import type { AmendResult } from '../calls/records.ts';
import { CentralitaError } from '../errors.ts';
import type { ConsoleSettings } from './settings.ts';

export class WrapUpError extends CentralitaError {}

export interface WrapUpDeskDeps {
  settings: () => ConsoleSettings;
  /** Releases a held record with the wrap-up added (the publisher's amend). */
  amend(recordId: string, patch: Partial<CallRecord>): Promise<AmendResult>;
  now: () => number;
}

export interface WrapUpInput { disposition?: string | undefined; notes?: string | undefined }

export interface WrapUpDesk {
  /** Called with each record before it is published: the delay to hold it, and the record with an early wrap-up in it. */
  beforePublish(record: CallRecord): { record: CallRecord; delayMs: number };
  /** Validates and applies an agent's wrap-up for `recordId`. */
  submit(recordId: string, input: WrapUpInput, by: string): Promise<{ wrapUp: WrapUp; hubspot: 'with-call' | 'waiting-for-record' | 'too-late' | 'not-held' }>;
  stats(): Record<string, number>;
}

export function createWrapUpDesk(d: WrapUpDeskDeps): WrapUpDesk {
  // Wrap-ups that arrived before their record was published (kept for a hold period).
  const early = new Map<string, { wrapUp: WrapUp; at: number }>();
  // Records published held back, waiting for their wrap-up.
  const held = new Map<string, number>();
  const published = new Set<string>();
  const stats = { held: 0, early: 0, amended: 0, tooLate: 0, refused: 0 };

  const holdMs = () => d.settings().wrapUp.holdHubspotSec * 1000;
  const prune = () => {
    const cut = d.now() - holdMs() - 60_000;
    for (const [k, v] of early) if (v.at < cut) early.delete(k);
    for (const [k, at] of held) if (at < cut) held.delete(k);
    if (published.size > 10_000) published.clear();
  };

  function validate(input: WrapUpInput, by: string): WrapUp {
    const s = d.settings();
    const disposition = input.disposition?.trim() || undefined;
    const notes = input.notes?.trim() || undefined;
    if (!disposition && s.wrapUp.requireDisposition && s.dispositions.length) throw new WrapUpError('WRAPUP_DISPOSITION_REQUIRED', 'pick a disposition code');
    const def = disposition ? s.dispositions.find((x) => x.id === disposition) : undefined;
    if (disposition && !def) throw new WrapUpError('WRAPUP_UNKNOWN_DISPOSITION', `unknown disposition ${JSON.stringify(disposition)} (known: ${s.dispositions.map((x) => x.id).join(', ') || 'none'})`);
    if (notes && notes.length > s.wrapUp.maxNotes) throw new WrapUpError('WRAPUP_NOTES_TOO_LONG', `notes are limited to ${s.wrapUp.maxNotes} characters`);
    return {
      disposition: disposition ?? 'none',
      ...(def ? { label: def.label } : {}),
      ...(def?.hubspotOutcome ? { hubspotOutcome: def.hubspotOutcome } : {}),
      ...(notes ? { notes } : {}),
      by,
      at: new Date(d.now()).toISOString(),
    };
  }

  return {
    beforePublish(record) {
      prune();
      published.add(record.id);
      if (!record.agent || holdMs() === 0) return { record, delayMs: 0 };
      const e = early.get(record.id);
      if (e) {
        early.delete(record.id);
        stats.early++;
        return { record: { ...record, wrapUp: e.wrapUp }, delayMs: 0 };
      }
      held.set(record.id, d.now());
      stats.held++;
      return { record, delayMs: holdMs() };
    },
    async submit(recordId, input, by) {
      let wrapUp: WrapUp;
      try { wrapUp = validate(input, by); } catch (err) { stats.refused++; throw err; }
      if (held.has(recordId)) {
        held.delete(recordId);
        const r = await d.amend(recordId, { wrapUp });
        if (r === 'amended') { stats.amended++; return { wrapUp, hubspot: 'with-call' }; }
        stats.tooLate++;
        return { wrapUp, hubspot: 'too-late' };
      }
      if (!published.has(recordId)) {
        // The agent was quicker than the caller's hangup reached the record.
        early.set(recordId, { wrapUp, at: d.now() });
        return { wrapUp, hubspot: 'waiting-for-record' };
      }
      stats.tooLate++;
      return { wrapUp, hubspot: 'not-held' };
    },
    stats: () => ({ ...stats, heldNow: held.size, earlyNow: early.size }),
  };
}
