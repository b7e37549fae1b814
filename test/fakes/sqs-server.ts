// A faithful minimal Amazon SQS server for tests, speaking the AWS JSON 1.0 protocol the
// current @aws-sdk/client-sqs uses (POST /, X-Amz-Target: AmazonSQS.<Operation>,
// Content-Type: application/x-amz-json-1.0). sqslite only speaks the old query protocol and
// answers 415, so this one exists. Implemented: CreateQueue, GetQueueUrl, ListQueues,
// SendMessage(Batch), ReceiveMessage (long polling, visibility timeout, ApproximateReceiveCount),
// DeleteMessage(Batch), ChangeMessageVisibility(Batch), GetQueueAttributes, SetQueueAttributes,
// PurgeQueue, and a RedrivePolicy moving a message to its dead-letter queue once it was
// received maxReceiveCount times. Errors carry __type and the x-amzn-query-error header.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

interface Msg {
  id: string;
  body: string;
  md5: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  handle?: string;
  attributes?: Record<string, unknown>;
}

interface Queue {
  name: string;
  url: string;
  arn: string;
  createdAt: number;
  attributes: Record<string, string>;
  messages: Msg[];
  waiters: Set<() => void>;
}

class SqsError extends Error {
  readonly type: string;
  readonly queryCode: string;
  readonly status: number;
  constructor(type: string, queryCode: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.queryCode = queryCode;
    this.status = status;
  }
}

export interface SqsServer {
  endpoint: string;
  queueUrl(name: string): string;
  /** Messages of a queue (for assertions), visible or not. */
  messages(name: string): { id: string; body: string; receiveCount: number; inFlight: boolean }[];
  /** Requests received by operation (assertions on heartbeats, deletes…). */
  calls: Record<string, number>;
  stop(): Promise<void>;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

export async function startSqsServer(opts: { host?: string; port?: number } = {}): Promise<SqsServer> {
  const queues = new Map<string, Queue>();
  const calls: Record<string, number> = {};
  let base = '';
  const timers = new Set<NodeJS.Timeout>();

  const byUrl = (url: unknown): Queue => {
    if (typeof url !== 'string') throw new SqsError('com.amazonaws.sqs#InvalidAddress', 'InvalidAddress;Sender', 'QueueUrl is required');
    const name = url.split('/').pop() ?? '';
    const q = queues.get(name);
    if (!q) throw new SqsError('com.amazonaws.sqs#QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue;Sender', 'The specified queue does not exist.');
    return q;
  };
  const byArn = (arn: string) => [...queues.values()].find((q) => q.arn === arn);
  const num = (q: Queue, attr: string, dflt: number) => Number(q.attributes[attr] ?? dflt);
  const wake = (q: Queue) => { for (const w of [...q.waiters]) w(); };

  const enqueue = (q: Queue, body: unknown, delaySeconds: unknown): Msg => {
    if (typeof body !== 'string' || body.length === 0) throw new SqsError('com.amazonaws.sqs#MissingParameter', 'MissingParameter;Sender', 'The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body) > num(q, 'MaximumMessageSize', 1_048_576)) throw new SqsError('com.amazonaws.sqs#InvalidParameterValue', 'InvalidParameterValue;Sender', 'One or more parameters are invalid. Reason: Message must be shorter than MaximumMessageSize bytes.');
    const now = Date.now();
    const delay = typeof delaySeconds === 'number' ? delaySeconds : num(q, 'DelaySeconds', 0);
    const m: Msg = { id: randomUUID(), body, md5: md5(body), sentAt: now, visibleAt: now + delay * 1000, receiveCount: 0 };
    q.messages.push(m);
    if (delay > 0) schedule(q, delay * 1000);
    else wake(q);
    return m;
  };
  const schedule = (q: Queue, ms: number) => {
    const t = setTimeout(() => { timers.delete(t); wake(q); }, ms);
    timers.add(t);
  };

  /** Takes up to `max` visible messages, moving over-received ones to the DLQ first (as SQS does). */
  const take = (q: Queue, max: number, visibility: number): Msg[] => {
    const now = Date.now();
    const out: Msg[] = [];
    let redrive: { deadLetterTargetArn: string; maxReceiveCount: number } | undefined;
    if (q.attributes.RedrivePolicy) redrive = JSON.parse(q.attributes.RedrivePolicy) as typeof redrive;
    for (const m of [...q.messages]) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      if (redrive && m.receiveCount >= Number(redrive.maxReceiveCount)) {
        const dlq = byArn(redrive.deadLetterTargetArn);
        if (dlq) {
          q.messages.splice(q.messages.indexOf(m), 1);
          // A moved message keeps its id and body; its receive count starts again in the DLQ.
          dlq.messages.push({ ...m, receiveCount: 0, visibleAt: now, handle: undefined, firstReceiveAt: undefined });
          wake(dlq);
          continue;
        }
      }
      m.receiveCount += 1;
      m.firstReceiveAt ??= now;
      m.visibleAt = now + visibility * 1000;
      m.handle = `${m.id}#${randomUUID()}`;
      schedule(q, visibility * 1000 + 5);
      out.push(m);
    }
    return out;
  };
  const findByHandle = (q: Queue, handle: unknown): Msg | undefined => {
    if (typeof handle !== 'string' || !handle.includes('#')) throw new SqsError('com.amazonaws.sqs#ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid;Sender', `The input receipt handle "${String(handle)}" is not a valid receipt handle.`);
    const id = handle.split('#')[0];
    return q.messages.find((m) => m.id === id);
  };
  const changeVisibility = (q: Queue, handle: unknown, timeout: unknown) => {
    const m = findByHandle(q, handle);
    if (!m || m.handle !== handle || m.visibleAt <= Date.now())
      throw new SqsError('com.amazonaws.sqs#MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight;Sender', 'Message does not exist or is not available for visibility timeout change.');
    const t = Number(timeout);
    if (!Number.isInteger(t) || t < 0 || t > 43_200) throw new SqsError('com.amazonaws.sqs#InvalidParameterValue', 'InvalidParameterValue;Sender', `Value ${String(timeout)} for parameter VisibilityTimeout is invalid.`);
    m.visibleAt = Date.now() + t * 1000;
    schedule(q, t * 1000 + 5);
  };
  const remove = (q: Queue, handle: unknown) => {
    const m = findByHandle(q, handle);
    // Deleting an already-deleted message succeeds, as in SQS.
    if (m) q.messages.splice(q.messages.indexOf(m), 1);
  };
  const msgOut = (m: Msg, wantAttrs: boolean) => ({
    MessageId: m.id,
    ReceiptHandle: m.handle,
    MD5OfBody: m.md5,
    Body: m.body,
    ...(wantAttrs ? { Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt), ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt), SenderId: ACCOUNT } } : {}),
  });

  const ops: Record<string, (b: Record<string, unknown>, req: IncomingMessage) => Promise<unknown> | unknown> = {
    CreateQueue(b) {
      const name = String(b.QueueName ?? '');
      if (!/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(name)) throw new SqsError('com.amazonaws.sqs#InvalidParameterValue', 'InvalidParameterValue;Sender', `Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length: ${name}`);
      let q = queues.get(name);
      if (!q) {
        q = { name, url: `${base}/${ACCOUNT}/${name}`, arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`, createdAt: Date.now(), attributes: {}, messages: [], waiters: new Set() };
        queues.set(name, q);
      }
      Object.assign(q.attributes, (b.Attributes as Record<string, string> | undefined) ?? {});
      return { QueueUrl: q.url };
    },
    GetQueueUrl(b) {
      const q = queues.get(String(b.QueueName));
      if (!q) throw new SqsError('com.amazonaws.sqs#QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue;Sender', 'The specified queue does not exist.');
      return { QueueUrl: q.url };
    },
    ListQueues(b) {
      const p = typeof b.QueueNamePrefix === 'string' ? b.QueueNamePrefix : '';
      return { QueueUrls: [...queues.values()].filter((q) => q.name.startsWith(p)).map((q) => q.url) };
    },
    SendMessage(b) {
      const m = enqueue(byUrl(b.QueueUrl), b.MessageBody, b.DelaySeconds);
      return { MessageId: m.id, MD5OfMessageBody: m.md5 };
    },
    SendMessageBatch(b) {
      const q = byUrl(b.QueueUrl);
      const entries = (b.Entries as { Id: string; MessageBody: string; DelaySeconds?: number }[] | undefined) ?? [];
      if (entries.length === 0) throw new SqsError('com.amazonaws.sqs#EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest;Sender', 'There should be at least one SendMessageBatchRequestEntry in the request.');
      if (entries.length > 10) throw new SqsError('com.amazonaws.sqs#TooManyEntriesInBatchRequest', 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest;Sender', 'Maximum number of entries per request are 10.');
      const Successful = [];
      const Failed = [];
      for (const e of entries) {
        try {
          const m = enqueue(q, e.MessageBody, e.DelaySeconds);
          Successful.push({ Id: e.Id, MessageId: m.id, MD5OfMessageBody: m.md5 });
        } catch (err) {
          Failed.push({ Id: e.Id, SenderFault: true, Code: 'InvalidParameterValue', Message: (err as Error).message });
        }
      }
      return { Successful, Failed };
    },
    async ReceiveMessage(b, req) {
      const q = byUrl(b.QueueUrl);
      const max = Number(b.MaxNumberOfMessages ?? 1);
      if (!Number.isInteger(max) || max < 1 || max > 10) throw new SqsError('com.amazonaws.sqs#InvalidParameterValue', 'InvalidParameterValue;Sender', `Value ${String(b.MaxNumberOfMessages)} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
      const visibility = Number(b.VisibilityTimeout ?? num(q, 'VisibilityTimeout', 30));
      const wait = Number(b.WaitTimeSeconds ?? num(q, 'ReceiveMessageWaitTimeSeconds', 0));
      if (wait < 0 || wait > 20) throw new SqsError('com.amazonaws.sqs#InvalidParameterValue', 'InvalidParameterValue;Sender', `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`);
      const names = [...((b.AttributeNames as string[] | undefined) ?? []), ...((b.MessageSystemAttributeNames as string[] | undefined) ?? [])];
      const wantAttrs = names.length > 0;
      let got = take(q, max, visibility);
      if (got.length === 0 && wait > 0) {
        // Long polling: answer as soon as a message is visible, or empty when the wait ends.
        got = await new Promise<Msg[]>((resolve) => {
          let finished = false;
          const finish = (m: Msg[]) => { if (finished) return; finished = true; clearTimeout(t); q.waiters.delete(check); req.off('close', onClose); resolve(m); };
          const check = () => { const m = take(q, max, visibility); if (m.length) finish(m); };
          const onClose = () => finish([]);
          const t = setTimeout(() => finish([]), wait * 1000);
          q.waiters.add(check);
          req.on('close', onClose);
        });
      }
      return got.length ? { Messages: got.map((m) => msgOut(m, wantAttrs)) } : {};
    },
    DeleteMessage(b) {
      remove(byUrl(b.QueueUrl), b.ReceiptHandle);
      return {};
    },
    DeleteMessageBatch(b) {
      const q = byUrl(b.QueueUrl);
      const Successful = [];
      const Failed = [];
      for (const e of (b.Entries as { Id: string; ReceiptHandle: string }[] | undefined) ?? []) {
        try { remove(q, e.ReceiptHandle); Successful.push({ Id: e.Id }); } catch (err) { Failed.push({ Id: e.Id, SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: (err as Error).message }); }
      }
      return { Successful, Failed };
    },
    ChangeMessageVisibility(b) {
      changeVisibility(byUrl(b.QueueUrl), b.ReceiptHandle, b.VisibilityTimeout);
      return {};
    },
    ChangeMessageVisibilityBatch(b) {
      const q = byUrl(b.QueueUrl);
      const Successful = [];
      const Failed = [];
      for (const e of (b.Entries as { Id: string; ReceiptHandle: string; VisibilityTimeout: number }[] | undefined) ?? []) {
        try { changeVisibility(q, e.ReceiptHandle, e.VisibilityTimeout); Successful.push({ Id: e.Id }); } catch (err) { Failed.push({ Id: e.Id, SenderFault: true, Code: (err as SqsError).type?.split('#')[1] ?? 'InternalError', Message: (err as Error).message }); }
      }
      return { Successful, Failed };
    },
    GetQueueAttributes(b) {
      const q = byUrl(b.QueueUrl);
      const now = Date.now();
      const all: Record<string, string> = {
        VisibilityTimeout: '30', MaximumMessageSize: '1048576', MessageRetentionPeriod: '345600', DelaySeconds: '0', ReceiveMessageWaitTimeSeconds: '0',
        ...q.attributes,
        QueueArn: q.arn,
        CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
        ApproximateNumberOfMessages: String(q.messages.filter((m) => m.visibleAt <= now).length),
        ApproximateNumberOfMessagesNotVisible: String(q.messages.filter((m) => m.visibleAt > now && m.receiveCount > 0).length),
        ApproximateNumberOfMessagesDelayed: String(q.messages.filter((m) => m.visibleAt > now && m.receiveCount === 0).length),
      };
      const want = (b.AttributeNames as string[] | undefined) ?? [];
      const Attributes = want.includes('All') ? all : Object.fromEntries(want.filter((n) => n in all).map((n) => [n, all[n]!]));
      return { Attributes };
    },
    SetQueueAttributes(b) {
      Object.assign(byUrl(b.QueueUrl).attributes, (b.Attributes as Record<string, string> | undefined) ?? {});
      return {};
    },
    PurgeQueue(b) {
      byUrl(b.QueueUrl).messages.length = 0;
      return {};
    },
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        if (res.writableEnded || res.destroyed) return;
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(text), ...headers });
        res.end(text);
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      const ctype = String(req.headers['content-type'] ?? '');
      if (req.method !== 'POST' || !ctype.startsWith('application/x-amz-json-1.0') || !target.startsWith('AmazonSQS.')) {
        // What real SQS says to the old query protocol is irrelevant here: say clearly what is spoken.
        send(415, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: 'this test server speaks only the AWS JSON 1.0 protocol (X-Amz-Target: AmazonSQS.*)' });
        return;
      }
      const op = target.slice('AmazonSQS.'.length);
      calls[op] = (calls[op] ?? 0) + 1;
      const fn = ops[op];
      if (!fn) {
        send(400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `operation ${op} is not implemented by the test server` }, { 'x-amzn-query-error': 'AWS.SimpleQueueService.UnsupportedOperation;Sender' });
        return;
      }
      let body: Record<string, unknown>;
      try { body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {}; } catch {
        send(400, { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'request body is not JSON' });
        return;
      }
      Promise.resolve()
        .then(() => fn(body, req))
        .then((out) => send(200, out), (err: unknown) => {
          if (err instanceof SqsError) send(err.status, { __type: err.type, message: err.message }, { 'x-amzn-query-error': err.queryCode });
          else send(500, { __type: 'com.amazonaws.sqs#InternalError', message: String(err) });
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  base = `http://${opts.host ?? '127.0.0.1'}:${addr.port}`;
  return {
    endpoint: base,
    queueUrl: (name) => `${base}/${ACCOUNT}/${name}`,
    messages: (name) => (queues.get(name)?.messages ?? []).map((m) => ({ id: m.id, body: m.body, receiveCount: m.receiveCount, inFlight: m.receiveCount > 0 && m.visibleAt > Date.now() })),
    calls,
    async stop() {
      for (const t of timers) clearTimeout(t);
      for (const q of queues.values()) wake(q);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
