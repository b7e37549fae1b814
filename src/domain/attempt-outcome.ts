// What an unanswered outbound attempt ends as, for the dialler, call records and the dial node:
// the hangup-cause table's classes (src/domain/hangup-causes.ts) folded into the outcomes these
// record. Pure.
import type { CauseClass } from './hangup-causes.ts';

export type UnansweredOutcome = 'busy' | 'declined' | 'no-answer' | 'unknown-number' | 'failed';

/** A cause class as the outcome of an unanswered outbound attempt. */
export function unansweredOutcome(cls: CauseClass): UnansweredOutcome {
  switch (cls) {
    case 'busy': case 'declined': case 'no-answer': case 'unknown-number': return cls;
    default: return 'failed'; // congestion, unavailable, failed (and 'answered', which is not unanswered)
  }
}
