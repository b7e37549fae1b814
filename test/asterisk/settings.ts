// Where the real Asterisk of `npm run test:asterisk` is. Nothing here has a default that points
// at a machine: without TEST_ASTERISK_ARI_URL the real-Asterisk target is skipped (one line)
// and the same scenarios run against the simulator only.
export interface LabSettings {
  /** http://127.0.0.1:8088 — Asterisk's HTTP server (ARI under /ari). */
  ariUrl: string;
  /** An ARI user with write access, for the scenarios' own tester app (and the install). */
  ariUser: string;
  ariPassword: string;
  /** The password the install gives the app's own ARI user `centralita` (dialplan/ari_additional_custom.conf). */
  appPassword: string;
  /** AMI host:port and user/password (MOH has no ARI event; AMI's MusicOnHoldStart/Stop tell). */
  ami: { host: string; port: number; user: string; password: string };
  /** Where Asterisk takes SIP (the scenarios' sipp phones register nothing: contacts are static). */
  sip: { host: string; port: number };
  /** Asterisk's config dir, where the install puts the project's dialplan/ files. */
  etcDir: string;
  /** Asterisk's sounds dir (the project's prompts go to <dir>/<lang>/). */
  soundsDir: string;
  /** The shell command that runs an Asterisk CLI command given as one argument. */
  cli: string;
  /** Commands that start, stop and kill (-9) this Asterisk (restart, crash and `core stop now` scenarios). */
  start: string;
  stop: string;
  kill: string;
  /** The lab's pid file: removed once Asterisk is down (a killed process can linger as a zombie that `lab.sh start` takes for running). */
  pidFile?: string;
  /** First UDP port of the sipp phones this suite starts (agents, operator, trunk). */
  sippBasePort: number;
}

export function labSettings(env: Record<string, string | undefined> = process.env): LabSettings | undefined {
  const ariUrl = env.TEST_ASTERISK_ARI_URL;
  if (!ariUrl) return undefined;
  const labHome = env.LAB_HOME ?? `${env.HOME ?? '/root'}/.cache/centralita-lab`;
  const prefix = env.TEST_ASTERISK_PREFIX ?? `${labHome}/asterisk`;
  const labSh = env.TEST_ASTERISK_LAB_SH ?? '../shared/asterisk-lab/lab.sh';
  const [amiHost, amiPort] = (env.TEST_ASTERISK_AMI ?? '127.0.0.1:5038').split(':');
  const [sipHost, sipPort] = (env.TEST_ASTERISK_SIP ?? '127.0.0.1:5060').split(':');
  return {
    ariUrl: ariUrl.replace(/\/+$/, '').replace(/\/ari$/, ''),
    ariUser: env.TEST_ASTERISK_ARI_USER ?? 'lab',
    ariPassword: env.TEST_ASTERISK_ARI_PASSWORD ?? 'lab',
    appPassword: env.TEST_ASTERISK_APP_PASSWORD ?? 'centralita-test-secret',
    ami: { host: amiHost!, port: Number(amiPort), user: env.TEST_ASTERISK_AMI_USER ?? 'lab', password: env.TEST_ASTERISK_AMI_PASSWORD ?? 'lab' },
    sip: { host: sipHost!, port: Number(sipPort) },
    etcDir: env.TEST_ASTERISK_ETC ?? `${prefix}/etc/asterisk`,
    soundsDir: env.TEST_ASTERISK_SOUNDS ?? `${prefix}/var/lib/asterisk/sounds`,
    cli: env.TEST_ASTERISK_CLI ?? `sh ${labSh} cli`,
    start: env.TEST_ASTERISK_START ?? `sh ${labSh} start`,
    stop: env.TEST_ASTERISK_STOP ?? `sh ${labSh} stop`,
    kill: env.TEST_ASTERISK_KILL ?? `kill -9 "$(cat ${labHome}/asterisk.pid)"`,
    pidFile: env.TEST_ASTERISK_PID_FILE ?? `${labHome}/asterisk.pid`,
    sippBasePort: Number(env.TEST_ASTERISK_SIPP_PORT ?? 5100),
  };
}
