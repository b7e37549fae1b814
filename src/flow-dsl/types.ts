// The flow language: plain data (plus a few functions for validation and branching) that
// ops write in flows/*.flow.ts. `T` is the union of node ids, so a target that is not a
// node is a type error in the editor; the loader checks it again at `flows check`.

export type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#';

/** What a caller hears: a prompt id from sounds/prompts.yaml, or a value read out. */
export type Media =
  | string
  | { sayDigits: string } // variable name: its value is read digit by digit
  | { sayNumber: string }; // variable name: its value is read as a number

export type Prompts = Media | Media[];

/** What a branch / setVar / lookup sees of the call. */
export interface FlowView {
  callId: string;
  from: string;
  to: string;
  did?: string;
  direction: 'inbound' | 'outbound';
  language: string;
  vars: Readonly<Record<string, string>>;
  /** The instant the node runs (from the injected clock). */
  now: Date;
  campaign?: { campaignId: string; rowId?: string; contactId?: string; attempt?: number };
}

export interface PlayNode<T extends string> {
  type: 'play';
  prompts: Prompts;
  /** A key press stops the prompt and moves on (the digit is not used). */
  bargeIn?: boolean;
  next: T;
}

export interface MenuNode<T extends string> {
  type: 'menu';
  prompt: Prompts;
  options: Partial<Record<Digit, T>>;
  /** Seconds to wait for a key after the prompt ends (default 5). */
  timeoutSec?: number;
  /** Attempts before `onFailure` (default 3); invalid keys and timeouts both count. */
  maxAttempts?: number;
  invalidPrompt?: Prompts;
  timeoutPrompt?: Prompts;
  /** Where the caller goes after the last failed attempt. */
  onFailure: T;
}

export interface GatherNode<T extends string> {
  type: 'gather';
  prompt: Prompts;
  /** Variable that receives the digits (without the finish key). */
  into: string;
  minDigits?: number; // default 1
  maxDigits: number;
  /** Key that ends input early (default '#'); null disables it. */
  finishOnKey?: '#' | '*' | null;
  firstDigitTimeoutSec?: number; // default 5
  interDigitTimeoutSec?: number; // default 3
  /** A pattern the whole input must match, or a predicate. */
  validate?: RegExp | ((digits: string) => boolean);
  invalidPrompt?: Prompts;
  timeoutPrompt?: Prompts;
  maxAttempts?: number; // default 3
  /** Read the digits back to the caller (prompt first, then the digits). */
  readBack?: { prompt?: Prompts };
  /**
   * PCI: PINs, card numbers. The digits stay in the call's memory for the flow's own use
   * (branch, lookup, dial) and reach nothing else: not the call record (path, variables),
   * logs, the live stream or HubSpot. `flows check` refuses reading them back.
   */
  sensitive?: boolean;
  next: T;
  onFailure: T;
}

export interface HoursNode<T extends string> {
  type: 'hours';
  schedule: string; // id in flows/schedules.ts
  open: T;
  closed: T;
  /** Defaults to `closed`. */
  holiday?: T;
  /** Defaults to `open` / `closed`. */
  overrideOpen?: T;
  overrideClosed?: T;
}

export interface QueueNode<T extends string> {
  type: 'queue';
  queue: string; // ACD queue id (flows/queues.ts)
  /** After the agent conversation ends. Default: hang up. */
  answered?: T;
  timeout: T;
  /** Defaults to `timeout`. */
  noAgents?: T;
  /** Caller pressed the queue's exit key. Defaults to `timeout`. */
  exitKey?: T;
  /** Queue at capacity. Defaults to `noAgents`, then `timeout`. */
  full?: T;
  /** Skills the answering agent must have (members' `skills` in flows/queues.ts). */
  skills?: string[];
  /** Also require the caller's current language as a skill (`es`, `en`…). */
  languageSkill?: boolean;
}

export interface DialNode<T extends string> {
  type: 'dial';
  /** PJSIP/1001, PJSIP/+573001234567@trunk …; `{{var}}` is replaced from the call variables. */
  endpoint: string;
  timeoutSec?: number; // default 30
  callerId?: string;
  /** After the bridged conversation ends. Default: hang up. */
  answered?: T;
  busy?: T; // defaults to noAnswer
  noAnswer: T;
  failed?: T; // defaults to noAnswer
}

export interface TransferNode {
  type: 'transfer';
  /** Dialplan context; must be in HANDOFF_CONTEXTS (default centralita-handoff, ext-local, ext-group, ext-queues, from-did-direct — never from-internal). */
  context: string;
  /** Extension in that context, e.g. 600 (ring group), vmu1001 (voicemail box). `{{var}}` allowed. */
  extension: string;
  priority?: number;
}

export interface VoicemailNode<T extends string> {
  type: 'voicemail';
  prompt?: Prompts;
  maxSeconds?: number; // default 120
  beep?: boolean; // default true
  /** Mailbox label stored with the recording name. */
  mailbox?: string;
  /** After recording. Default: thank-you-less hang up. */
  next?: T;
}

export interface SetLanguageNode<T extends string> {
  type: 'setLanguage';
  language: string;
  next: T;
}

export interface SetVarNode<T extends string> {
  type: 'setVar';
  name: string;
  value: string | ((view: FlowView) => string);
  next: T;
}

export interface BranchNode<T extends string> {
  type: 'branch';
  cases: { when: (view: FlowView) => boolean; to: T; label: string }[];
  otherwise: T;
}

export interface LookupNode<T extends string> {
  type: 'lookup';
  /** Name of a function exported by flows/lookups/index.ts. */
  fn: string;
  timeoutSec?: number; // default 3
  /** Returned values are stored as variables `<into>.<key>` (or `<key>` without `into`). */
  into?: string;
  found: T;
  notFound: T;
  /** Error or timeout. Defaults to `notFound`. */
  fallback?: T;
}

export interface HangupNode {
  type: 'hangup';
  prompt?: Prompts;
}

export type FlowNode<T extends string = string> =
  | PlayNode<T>
  | MenuNode<T>
  | GatherNode<T>
  | HoursNode<T>
  | QueueNode<T>
  | DialNode<T>
  | TransferNode
  | VoicemailNode<T>
  | SetLanguageNode<T>
  | SetVarNode<T>
  | BranchNode<T>
  | LookupNode<T>
  | HangupNode;

export type NodeType = FlowNode['type'];

export interface FlowDefinition<K extends string = string> {
  id: string;
  /** Language the call starts in. */
  language: string;
  /** Every language callers may switch to (prompts are checked in each). Defaults to [language]. */
  languages?: string[];
  /** Answer the channel before the first node (default true; campaign legs are already up). */
  answer?: boolean;
  start: K;
  nodes: { [P in K]: FlowNode<K> };
  description?: string;
}

/** Functions flows/lookups exports: may do I/O; get services from main.ts. */
export type LookupFn = (
  req: { view: FlowView; signal: AbortSignal },
  services: LookupServices,
) => Promise<Record<string, string> | null>;

/** What lookups may use; main.ts fills in what it has (shapes match the CRM port and DncStore). */
export interface LookupServices {
  /** Contacts per E.164 number (src/integrations/hubspot/port.ts Crm). */
  crm?: { findContactsByPhone(e164s: string[]): Promise<Map<string, { id: string; name?: string }[]>> };
  /** Extension of a contact's owner, when the CRM owner has one. */
  owners?: { extensionFor(contactId: string): Promise<string | undefined> };
  /** Do-not-call list (src/campaigns/dnc.ts DncStore). */
  dnc?: { add(...e164: string[]): Promise<unknown> };
  /** ISO country for numbers that are not E.164 (config DEFAULT_COUNTRY). */
  defaultCountry?: string;
  [name: string]: unknown;
}
