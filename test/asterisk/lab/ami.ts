// A minimal AMI listener for the scenarios: ARI has no music-on-hold event, AMI does
// (MusicOnHoldStart / MusicOnHoldStop, keyed by the channel's Uniqueid = its ARI id). Test
// code only: the app itself never speaks AMI here.
import { connect, type Socket } from 'node:net';

export interface AmiListener {
  mohOn(uniqueid: string): boolean;
  close(): void;
}

export function listenAmi(o: { host: string; port: number; user: string; password: string }): Promise<AmiListener> {
  return new Promise((resolve, reject) => {
    const moh = new Map<string, boolean>();
    let buf = '';
    let loggedIn = false;
    const sock: Socket = connect(o.port, o.host);
    sock.setEncoding('utf8');
    const fail = (err: Error) => { if (!loggedIn) reject(err); };
    sock.on('error', fail);
    sock.on('connect', () => {
      sock.write(`Action: Login\r\nUsername: ${o.user}\r\nSecret: ${o.password}\r\nEvents: call\r\n\r\n`);
    });
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 4);
        const f: Record<string, string> = {};
        for (const line of block.split('\r\n')) {
          const c = line.indexOf(': ');
          if (c > 0) f[line.slice(0, c)] = line.slice(c + 2);
        }
        if (!loggedIn && f.Response) {
          if (f.Response !== 'Success') return fail(new Error(`AMI login refused: ${f.Message ?? ''}`));
          loggedIn = true;
          resolve({ mohOn: (id) => moh.get(id) ?? false, close: () => sock.destroy() });
          continue;
        }
        if (f.Event === 'MusicOnHoldStart' && f.Uniqueid) moh.set(f.Uniqueid, true);
        if (f.Event === 'MusicOnHoldStop' && f.Uniqueid) moh.set(f.Uniqueid, false);
      }
    });
  });
}
