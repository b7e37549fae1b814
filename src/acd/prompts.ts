// Every prompt the ACD can play to a caller of a queue (periodic position / wait
// announcements) or to an agent (the caller left before the agent answered), derived from
// the same code that builds the media, so `flows check` and start-up can refuse a language
// that lacks one. Pure.
import { announcementMedia } from './announce.ts';

/** Played to an agent who answers after the caller hung up, before the leg is hung up. */
export const CALLER_GONE_PROMPT = 'vm-goodbye';

export interface QueuePrompts {
  /** Prompt ids (`sound:<id>`), in the order first played. */
  prompts: string[];
  /** Whether numbers are read out (`number:`), so every number prompt of the language is needed. */
  numbers: boolean;
  /** The announcement language when the queue fixes one; otherwise the caller's. */
  language?: string;
}

/** The prompts a queue with this configuration can play. */
export function queuePrompts(q: { announce?: { position?: boolean; estimatedWait?: boolean; language?: string } | undefined }): QueuePrompts {
  const prompts = new Set<string>();
  let numbers = false;
  const a = q.announce;
  if (a) {
    // Every branch of the wording: next in line or not; no estimate, under a minute, minutes.
    for (const position of [1, 2, 3, 10]) for (const estimatedWaitSec of [null, 0, 10, 60, 90, 600, 3600]) {
      for (const m of announcementMedia({ position, estimatedWaitSec, sayPosition: a.position ?? true, sayEstimatedWait: a.estimatedWait ?? true })) {
        if (m.startsWith('sound:')) prompts.add(m.slice('sound:'.length));
        else if (m.startsWith('number:')) numbers = true;
      }
    }
  }
  prompts.add(CALLER_GONE_PROMPT);
  return { prompts: [...prompts], numbers, ...(a?.language ? { language: a.language } : {}) };
}
