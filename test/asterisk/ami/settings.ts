// Where the real Asterisk of the AMI scenarios is (the same TEST_ASTERISK_* variables as the
// rest of test/asterisk). Without TEST_ASTERISK_ARI_URL the lab target is skipped with one line
// and the scenarios run against the simulator only (CI).
export interface LabAmiSettings {
  ariUrl: string; ariUser: string; ariPassword: string;
  ami: { host: string; port: number };
  sip: string;
  etcDir: string;
  /** Runs an Asterisk CLI command given as one argument. */
  cli: string;
  /** First UDP port of this suite's sipp phones (3101..3104 and the carrier at +1..+6). */
  sippBasePort: number;
}

export function labAmiSettings(env: Record<string, string | undefined> = process.env): LabAmiSettings | undefined {
  const ariUrl = env.TEST_ASTERISK_ARI_URL;
  if (!ariUrl) return undefined;
  const labHome = env.LAB_HOME ?? `${env.HOME ?? '/root'}/.cache/centralita-lab`;
  const prefix = env.TEST_ASTERISK_PREFIX ?? `${labHome}/asterisk`;
  const [host, port] = (env.TEST_ASTERISK_AMI ?? '127.0.0.1:5038').split(':');
  return {
    ariUrl: ariUrl.replace(/\/+$/, '').replace(/\/ari$/, ''), ariUser: env.TEST_ASTERISK_ARI_USER ?? 'lab', ariPassword: env.TEST_ASTERISK_ARI_PASSWORD ?? 'lab',
    ami: { host: host!, port: Number(port) }, sip: env.TEST_ASTERISK_SIP ?? '127.0.0.1:5060', etcDir: env.TEST_ASTERISK_ETC ?? `${prefix}/etc/asterisk`,
    cli: env.TEST_ASTERISK_CLI ?? `sh ${env.TEST_ASTERISK_LAB_SH ?? '../shared/asterisk-lab/lab.sh'} cli`, sippBasePort: Number(env.TEST_ASTERISK_AMI_SIPP_PORT ?? 5140),
  };
}
