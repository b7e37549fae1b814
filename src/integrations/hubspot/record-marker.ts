// The value written to the record-id property of each call engagement, and searched with IN to
// find calls whose ledger write was lost. HubSpot's IN on a string property only matches
// lower-case values, and record ids keep the case of campaign folders (`cr-cmp-Cobranza-Nov-…`),
// so the marker is the id in lower case; when lower-casing changed it, a short hash of the
// original id is appended so that ids differing only in case never share a marker.
import { createHash } from 'node:crypto';

export function recordMarker(recordId: string): string {
  const lower = recordId.toLowerCase();
  if (lower === recordId) return recordId;
  return `${lower}~${createHash('sha256').update(recordId).digest('hex').slice(0, 10)}`;
}

/** Marker → record id for a set of records (markers come back from HubSpot in batch results and searches). */
export function markerIndex(recordIds: Iterable<string>): Map<string, string> {
  const m = new Map<string, string>();
  for (const id of recordIds) m.set(recordMarker(id), id);
  return m;
}
