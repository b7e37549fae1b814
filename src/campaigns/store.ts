// The campaign store port, in domain terms: settings, run state (active / paused / cancelled /
// completed), the exactly-once ledgers of attempt and final outcomes, progress counters and the
// ingest lease. PostgreSQL implements it (src/store/campaigns.ts): every row and attempt lives
// there, so a campaign's size never reaches Redis. Counters move only with the first write of a
// ledger entry (in the same transaction), so a re-run job or a redelivered S3 event never
// counts twice. A campaign is `completed` when every accepted row has its final outcome and no
// file is being ingested (an ingest holds a lease); a new file's rows make it active again.
import type { AttemptOutcome, CampaignSettings, FinalOutcome } from '../domain/campaign.ts';

export type CampaignRunState = 'active' | 'paused' | 'cancelled' | 'completed';
/** Result of admitting one row: new, re-ingest of a row not final yet (re-add), already final, duplicate number, on DNC. */
export type AdmitCode = 'new' | 'again' | 'handled' | 'duplicate' | 'do-not-call';

export interface CampaignProgress {
  campaignId: string;
  state: CampaignRunState;
  queued: number;
  rejected: number;
  dialling: number;
  answered: number;
  voicemail: number;
  busy: number;
  declined: number;
  'no-answer': number;
  'unknown-number': number;
  failed: number;
  retried: number;
  done: number;
  final: Record<string, number>;
  files: number;
  /** When the last row became final (state `completed`). */
  completedAt?: string;
}

/** Where a row is: waiting in the database, in the dialler's hopper (a BullMQ job), or final. */
export type RowPlace = 'waiting' | 'hopper' | 'final';

/** What the dialler must know about one attempt before acting on it, read at once. */
export interface AttemptContext {
  campaignState: CampaignRunState;
  /** Undefined: no such row (unknown campaign, file or row). */
  row?: { place: RowPlace; attempt: number; hop: number; finalOutcome?: string };
  /** This attempt's outcome, once written. */
  attemptOutcome?: string;
  /** When this attempt was marked dialled (before its originate). */
  dialledAt?: number;
}

/** What follows an attempt: the row's final outcome, or its next attempt from `nextAt` (epoch ms). */
export type AfterAttempt = { final: true; outcome: FinalOutcome } | { final: false; nextAt: number };

export interface CampaignStore {
  saveSettings(campaignId: string, settings: CampaignSettings): Promise<void>;
  getSettings(campaignId: string): Promise<CampaignSettings | undefined>;
  getState(campaignId: string): Promise<CampaignRunState>;
  /** A state change only: the hopper stops refilling a paused or cancelled campaign, the dialler
   *  hands back (pause) or ends (cancel) what it holds, rows waiting in the database stay there. */
  setState(campaignId: string, state: CampaignRunState, atMs?: number): Promise<void>;
  list(): Promise<string[]>;
  addRejected(campaignId: string, n: number): Promise<void>;
  noteFile(campaignId: string, fileId: string, summary: { file: string } & Record<string, unknown>): Promise<void>;
  attempt(campaignId: string, rowId: string, attempt: number): Promise<AttemptContext>;
  /** Marks the attempt dialled; false when it already was (crash recovery: never dial it again). */
  markDialled(campaignId: string, rowId: string, attempt: number, atMs: number): Promise<boolean>;
  /** Records an attempt's outcome (`''`: ended before dialling) and what follows; true the first time only. */
  settle(campaignId: string, rowId: string, attempt: number, outcome: AttemptOutcome | '', next: AfterAttempt, atMs: number): Promise<boolean>;
  /** Hands a row the hopper holds back to the database (campaign paused, window closed): no
   *  attempt is used; it is taken again from `nextAt` (default: as it was). Only for this hop. */
  release(campaignId: string, rowId: string, attempt: number, hop: number, nextAt?: number): Promise<void>;
  progress(campaignId: string): Promise<CampaignProgress>;
  /** An ingest of `fileId` is running (renewed on progress): the campaign cannot complete meanwhile. */
  holdIngest(campaignId: string, fileId: string, leaseMs: number): Promise<void>;
  releaseIngest(campaignId: string, fileId: string): Promise<void>;
  /** Marks the campaign completed if every row is final; true when this call did it. */
  checkCompleted(campaignId: string): Promise<boolean>;
}

/** `<fileId>-<row number>`: the row id every job, channel id and CallRecord carries. */
export function splitRowId(rowId: string): { fileId: string; rowNo: number } | undefined {
  const i = rowId.lastIndexOf('-');
  const rowNo = Number(rowId.slice(i + 1));
  if (i <= 0 || !Number.isInteger(rowNo) || rowNo < 0) return undefined;
  return { fileId: rowId.slice(0, i), rowNo };
}
