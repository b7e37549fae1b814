// The fake SQS server checked against the real @aws-sdk/client-sqs (AWS JSON protocol).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  SQSClient, CreateQueueCommand, GetQueueUrlCommand, SendMessageCommand, SendMessageBatchCommand, ReceiveMessageCommand, DeleteMessageCommand,
  DeleteMessageBatchCommand, ChangeMessageVisibilityCommand, ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, QueueDoesNotExist,
} from '@aws-sdk/client-sqs';
import { startSqsServer, type SqsServer } from '../../fakes/sqs-server.ts';

let server: SqsServer;
let sqs: SQSClient;
beforeAll(async () => {
  server = await startSqsServer();
  sqs = new SQSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => {
  sqs.destroy();
  await server.stop();
});

async function queue(name: string, attributes?: Record<string, string>) {
  return (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
}

describe('fake SQS server with the AWS SDK v3', () => {
  it('creates, finds, sends and receives with a valid MD5 and receive count', async () => {
    const url = await queue('basic');
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'basic' }))).QueueUrl).toBe(url);
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'hola ñandú ☎' }));
    expect(sent.MessageId).toBeTruthy();
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
    expect(r.Messages).toHaveLength(1);
    expect(r.Messages![0]).toMatchObject({ Body: 'hola ñandú ☎', Attributes: { ApproximateReceiveCount: '1' } });
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: r.Messages![0]!.ReceiptHandle! }));
    expect(server.messages('basic')).toHaveLength(0);
  });

  it('answers a missing queue with QueueDoesNotExist', async () => {
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: `${server.endpoint}/000000000000/nope`, MessageBody: 'x' }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  });

  it('long polling returns as soon as a message arrives', async () => {
    const url = await queue('longpoll');
    const t0 = Date.now();
    const pending = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }));
    setTimeout(() => void sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late' })), 150);
    const r = await pending;
    expect(r.Messages?.[0]?.Body).toBe('late');
    expect(Date.now() - t0).toBeLessThan(2000);
    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(empty.Messages ?? []).toHaveLength(0);
  });

  it('redelivers after the visibility timeout, and extending it hides the message longer', async () => {
    const url = await queue('visibility', { VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'v' }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? []).toHaveLength(0);
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0]!.ReceiptHandle!, VisibilityTimeout: 2 }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(attrs.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });
    const early = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(early.Messages ?? []).toHaveLength(0);
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 3, MessageSystemAttributeNames: ['All'] }));
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    // The old receipt handle no longer changes visibility.
    const batch = await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: [{ Id: 'old', ReceiptHandle: first.Messages![0]!.ReceiptHandle!, VisibilityTimeout: 5 }, { Id: 'new', ReceiptHandle: again.Messages![0]!.ReceiptHandle!, VisibilityTimeout: 5 }] }));
    expect(batch.Successful?.map((s) => s.Id)).toEqual(['new']);
    expect(batch.Failed?.[0]).toMatchObject({ Id: 'old', Code: 'MessageNotInflight' });
  });

  it('batches sends and deletes', async () => {
    const url = await queue('batch');
    const s = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body ${i}` })) }));
    expect(s.Successful).toHaveLength(10);
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' })) }))).rejects.toMatchObject({ name: 'TooManyEntriesInBatchRequest' });
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(r.Messages).toHaveLength(10);
    const d = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: r.Messages!.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) }));
    expect(d.Successful).toHaveLength(10);
    expect(server.messages('batch')).toHaveLength(0);
  });

  it('moves a message received maxReceiveCount times to the dead-letter queue', async () => {
    const dlqUrl = await queue('redrive-dlq');
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const url = await queue('redrive', { VisibilityTimeout: '0', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? []).toHaveLength(0);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageSystemAttributeNames: ['All'] }));
    expect(dead.Messages?.[0]).toMatchObject({ Body: 'poison', Attributes: { ApproximateReceiveCount: '1' } });
  });
});
