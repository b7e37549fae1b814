// What a waiting caller hears in a periodic announcement. Pure, so the wording rules
// (next in line, less than a minute, rounding) are tested without a PBX. Sound names are
// Asterisk's core queue prompts, which exist in every language pack FreePBX installs.

export interface AnnouncementInput {
  position: number; // 1 = next in line
  estimatedWaitSec: number | null; // null = no data yet (nothing is said about time)
  sayPosition: boolean;
  sayEstimatedWait: boolean;
}

export function announcementMedia(a: AnnouncementInput): string[] {
  const media: string[] = [];
  if (a.sayPosition) {
    if (a.position <= 1) media.push('sound:queue-youarenext');
    else media.push('sound:queue-thereare', `number:${a.position - 1}`, 'sound:queue-callswaiting');
  }
  if (a.sayEstimatedWait && a.estimatedWaitSec !== null) {
    const minutes = Math.round(a.estimatedWaitSec / 60);
    if (minutes < 1) media.push('sound:queue-holdtime', 'sound:queue-less-than', 'number:1', 'sound:queue-minutes');
    else media.push('sound:queue-holdtime', `number:${minutes}`, 'sound:queue-minutes');
  }
  if (media.length) media.push('sound:queue-thankyou');
  return media;
}

/**
 * Expected wait for the caller at `position`: `position` calls must end before this one is
 * served, shared by the staffed agents, each about one average handle time; without handle data, fall back to the
 * smoothed answer time (what app_queue announces).
 */
export function estimateWaitSec(position: number, staffedAgents: number, avgHandleSec: number | null, smoothedHoldSec: number | null): number | null {
  if (avgHandleSec !== null && avgHandleSec > 0 && staffedAgents > 0) return Math.round((avgHandleSec * position) / staffedAgents);
  return smoothedHoldSec === null ? null : Math.round(smoothedHoldSec);
}
