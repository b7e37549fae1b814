// The PBX side of `npm run bench -- ami`, in its own process so its CPU is not the adapter's: an
// AMI server that answers Login/Status/QueueStatus like Asterisk and streams the events a real
// Asterisk 22 sent for real calls (test/fixtures/ami-traces, the app's filtered session), each
// copy with fresh unique ids, keeping `concurrent` calls open at once.
// stdin commands: `run <eventsPerSecond> <seconds>` (0 = as fast as the socket takes them).
import { createServer, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { AmiParser, serializeMessage, type AmiMessage } from '../../src/telephony/ami/protocol.ts';

const concurrent = Number(process.argv[2] ?? 2000);
const TRACES = ['desk-to-desk', 'queue-answered', 'outbound', 'queue-abandoned'];
const templates: AmiMessage[][] = TRACES.map((t) => readFileSync(`test/fixtures/ami-traces/${t}.jsonl`, 'utf8').trim().split('\n')
  .map((l) => JSON.parse(l) as { who: string; msg: AmiMessage }).filter((r) => r.who === 'centralita' && r.msg.Event).map((r) => r.msg));
const ID_KEYS = ['UniqueID', 'LinkedID', 'Uniqueid', 'Linkedid', 'DestUniqueid', 'DestLinkedid'];
let seq = 0;
interface Live { events: AmiMessage[]; i: number; tag: string }
const newCall = (): Live => ({ events: templates[seq % templates.length]!, i: 0, tag: `b${++seq}` });
function render(m: AmiMessage, tag: string): string {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) out[k] = ID_KEYS.includes(k) ? `${tag}.${v}` : k === 'Extra' ? v.replace(/"bridge_id":"([^"]+)"/, `"bridge_id":"${tag}-$1"`) : k === 'Timestamp' ? (Date.now() / 1000).toFixed(6) : v;
  return serializeMessage(out);
}
let sock: Socket | undefined;
const pool: Live[] = [];
const stats = { events: 0, completed: 0 };
function next(): string {
  const k = Math.floor(Math.random() * pool.length);
  const c = pool[k]!;
  const m = c.events[c.i++]!;
  const text = render(m, c.tag);
  // A call is finished for the app when its conversation's LINKEDID_END is out.
  if (m.EventName === 'LINKEDID_END') stats.completed++;
  if (c.i >= c.events.length) pool[k] = newCall();
  stats.events++;
  return text;
}
const server = createServer((s) => {
  sock = s;
  s.setEncoding('utf8');
  s.write('Asterisk Call Manager/11.0.0\r\n');
  const p = new AmiParser((m) => {
    const id = m.ActionID;
    if (m.Action === 'Status' || m.Action === 'QueueStatus') {
      s.write(serializeMessage({ Response: 'Success', ActionID: id, EventList: 'start', Message: 'will follow' }));
      s.write(serializeMessage({ Event: `${m.Action}Complete`, ActionID: id, EventList: 'Complete', ListItems: 0 }));
    } else s.write(serializeMessage({ Response: 'Success', ActionID: id, Message: m.Action === 'Login' ? 'Authentication accepted' : 'ok' }));
  });
  p.push('Asterisk Call Manager/client\r\n');
  s.on('data', (d: string) => p.push(d));
  s.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT=${(server.address() as { port: number }).port}\n`));
for (let i = 0; i < concurrent; i++) pool.push(newCall());
// The open calls are already started (their first events are sent before the measurement).
const warm = () => { for (const c of pool) while (c.i < 2) { sock!.write(render(c.events[c.i++]!, c.tag)); stats.events++; } };
createInterface({ input: process.stdin }).on('line', async (line) => {
  const [cmd, a, b] = line.trim().split(' ');
  if (cmd === 'warm') { warm(); process.stdout.write(`WARM ${stats.events}\n`); return; }
  if (cmd !== 'run') return;
  const rate = Number(a);
  const until = Date.now() + Number(b) * 1000;
  const e0 = stats.events;
  const c0 = stats.completed;
  if (rate > 0) {
    const t0 = Date.now();
    while (Date.now() < until) {
      const due = Math.floor(((Date.now() - t0) / 1000) * rate) - (stats.events - e0);
      let chunk = '';
      for (let i = 0; i < due; i++) chunk += next();
      if (chunk) sock!.write(chunk);
      await new Promise((r) => setTimeout(r, 10));
    }
  } else {
    while (Date.now() < until) {
      let chunk = '';
      for (let i = 0; i < 200; i++) chunk += next();
      if (!sock!.write(chunk)) await new Promise((r) => sock!.once('drain', r));
      else await new Promise((r) => setImmediate(r));
    }
  }
  process.stdout.write(`DONE ${stats.events - e0} ${stats.completed - c0} ${stats.events} ${stats.completed}\n`);
});
