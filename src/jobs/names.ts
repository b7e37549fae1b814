// Typed BullMQ queue and job names: one place, so producers and workers cannot drift.
export const QUEUES = {
  callRecords: 'call-records', // CallRecord → HubSpot, reports
  originate: 'originate', // one job per campaign row attempt
  ingest: 'campaign-ingest', // one job per campaign file
  hubspotDlq: 'hubspot-dlq', // permanently failed HubSpot logs, kept for replay
  recordings: 'recordings', // one job per finished recording: PBX → recording store + catalogue
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Redis key prefix for everything centralita stores (BullMQ uses its own `bull:` prefix). */
export const KEY_PREFIX = 'centralita';
