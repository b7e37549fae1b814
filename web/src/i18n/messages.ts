// The UI's message keys and their shapes, declared once: en.ts and es.ts are both typed by
// it, so a key missing from or extra in either dictionary is a type error (`npm run typecheck`).
export type P = Record<string, string | number | undefined>;

export interface Messages {
  appName: string; skipToContent: string;
  nav: { wallboard: string; agent: string; reports: string; calls: string; main: string };
  lang: { label: string; es: string; en: string };
  tv: { on: string; off: string };
  conn: { connecting: string; live: string; reconnecting: string; offline: string };
  signIn: {
    title: string; username: string; password: string; submit: string; signingIn: string; failed: string;
    tooMany: string; signOut: string;
    signedInAs: (p: P) => string;
  };
  common: {
    none: string; loading: string; error: string; retry: string; cancel: string; confirm: string; close: string;
    save: string; yes: string; no: string; seconds: string; notAllowed: string; unknown: string;
  };
  kpi: {
    callsToday: string; answered: string; abandoned: string; live: string; waiting: string; agentsAvailable: string;
    agentsOnCall: string; agentsWrap: string; agentsPaused: string; fromHistory: string; sinceStart: string;
  };
  queue: {
    title: string; waiting: string; longest: string; offered: string; answered: string; abandoned: string; sl: string;
    slWithin: (p: P) => string;
    asa: string; aht: string; staffed: string; available: string; none: string;
  };
  agents: {
    title: string; name: string; state: string; inState: string; call: string; queues: string; callsToday: string;
    aht: string; none: string;
    states: Record<string, string>;
  };
  waiting: { title: string; position: string; queue: string; caller: string; wait: string; none: string; phases: Record<string, string> };
  calls: {
    title: string; caller: string; flow: string; node: string; queue: string; agent: string; duration: string;
    none: string; inbound: string; outbound: string;
  };
  campaigns: {
    title: string; state: string; progress: string; pace: string;
    perMin: (p: P) => string;
    limit: (p: P) => string;
    done: (p: P) => string;
    dialling: (p: P) => string;
    none: string; pause: string; resume: string; cancel: string;
    confirmPause: (p: P) => string;
    confirmResume: (p: P) => string;
    confirmCancel: (p: P) => string;
    states: Record<string, string>;
    outcomes: Record<string, string>;
  };
  hours: {
    title: string; open: string; closed: string;
    until: (p: P) => string;
    next: (p: P) => string;
    reasons: Record<string, string>;
    overrideBy: (p: P) => string;
    setOverride: string; clearOverride: string; forceOpen: string; forceClosed: string; reason: string;
    expiry: string;
    minutes: (p: P) => string;
    hoursN: (p: P) => string;
    untilNext: string; untilTime: string; apply: string; reasonRequired: string; expiryRequired: string;
    confirmClear: (p: P) => string;
    none: string;
  };
  log: {
    title: string; none: string;
    kinds: {
      'call.started': (p: P) => string;
      'call.ended': (p: P) => string;
      'queue.join': (p: P) => string;
      'queue.answer': (p: P) => string;
      'queue.abandon': (p: P) => string;
      'queue.timeout': (p: P) => string;
      'queue.exit': (p: P) => string;
      'queue.reject': (p: P) => string;
      'agent.state': (p: P) => string;
      'campaign.state': (p: P) => string;
      'hours.override': (p: P) => string;
      'hours.cleared': (p: P) => string;
      'pbx.connection': (p: P) => string;
      wrapup: (p: P) => string;
    };
  };
  dispositions: Record<string, string>;
  agent: {
    title: string; notAgent: string; chooseAgent: string; state: string; login: string; logout: string;
    available: string; pause: string; pauseReason: string; choose: string; myQueues: string; incoming: string;
    onCall: string; ended: string; unknownCaller: string; lookingUp: string; company: string; owner: string;
    openRecord: string;
    waited: (p: P) => string;
    ivr: string; noIvr: string;
    pressed: (p: P) => string;
    lastCalls: string; noLastCalls: string; answerOnPhone: string; missed: string; gone: string; wrapUp: string;
    wrapUpFor: (p: P) => string;
    disposition: string; notes: string; submit: string; wrapped: string; wrappedLate: string;
    dispositionRequired: string; clickToCall: string; number: string; call: string; calling: string;
  };
  reports: {
    title: string; queues: string; agents: string; campaigns: string; ivr: string; from: string; to: string;
    interval: string;
    minutes: (p: P) => string;
    today: string; yesterday: string; last7: string; last30: string; show: string; exportCsv: string;
    exportXlsx: string; total: string; noData: string;
    cols: {
      queue: string; start: string; offered: string; answered: string; abandoned: string; sl: string; asa: string;
      aht: string; longest: string; agent: string; calls: string; ringNoAnswer: string; talk: string; wrap: string;
      paused: string; occupancy: string; campaign: string; rows: string; attempts: string; contacted: string;
      contactRate: string; flow: string; node: string; visits: string; options: string; ended: string;
      dropped: string;
    };
    chartQueue: string; chartCampaign: string;
    series: { offered: string; answered: string; abandoned: string; sl: string; attempts: string };
    unavailable: string;
  };
  search: {
    title: string; number: string; from: string; to: string; queue: string; agent: string; disposition: string;
    direction: string; campaign: string; any: string; search: string; more: string; none: string; started: string;
    talk: string; wait: string; open: string; detail: string; timeline: string; recording: string;
    noRecording: string; back: string;
    t: {
      started: (p: P) => string;
      step: (p: P) => string;
      queued: (p: P) => string;
      answered: (p: P) => string;
      left: (p: P) => string;
      ended: (p: P) => string;
      wrapUp: (p: P) => string;
    };
  };
}
