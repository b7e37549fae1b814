// A local SNS endpoint for the Publish action as the API reference documents it: the AWS
// Query protocol (form-encoded POST, Action=Publish&Version=2010-03-31), TopicArn and Message
// required, Subject at most 100 printable characters, an XML PublishResponse with a
// MessageId; errors as the Query protocol's ErrorResponse with HTTP 400/404.
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface PublishedMessage { topicArn: string; subject?: string; message: string; attributes: Record<string, string> }

export async function startSnsServer(o: { topics: string[] }): Promise<{ url: string; published: PublishedMessage[]; failNext(n: number): void; close(): Promise<void> }> {
  const published: PublishedMessage[] = [];
  let fail = 0;
  const error = (res: import('node:http').ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(`<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const p = new URLSearchParams(body);
      if (req.method !== 'POST' || p.get('Action') !== 'Publish' || p.get('Version') !== '2010-03-31') return error(res, 400, 'InvalidAction', 'only Publish (2010-03-31) is implemented');
      if (fail > 0) { fail--; return error(res, 500, 'InternalError', 'injected failure'); }
      const topicArn = p.get('TopicArn');
      const message = p.get('Message');
      if (!topicArn || !message) return error(res, 400, 'InvalidParameter', 'TopicArn and Message are required');
      if (!o.topics.includes(topicArn)) return error(res, 404, 'NotFound', 'Topic does not exist');
      const subject = p.get('Subject') ?? undefined;
      // Subject: at most 100 characters, no line breaks (the API reference's constraints).
      if (subject !== undefined && (subject.length > 100 || /[\r\n]/.test(subject))) return error(res, 400, 'InvalidParameter', 'Subject must be at most 100 characters on one line');
      const attributes: Record<string, string> = {};
      for (let i = 1; p.has(`MessageAttributes.entry.${i}.Name`); i++) attributes[p.get(`MessageAttributes.entry.${i}.Name`)!] = p.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '';
      published.push({ topicArn, message, attributes, ...(subject !== undefined ? { subject } : {}) });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    published,
    failNext(n) { fail = n; },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
