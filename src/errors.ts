// Errors with a stable `code` so logs, metrics and tests key on the code, not the message.
export class CentralitaError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The channel no longer exists (ARI 404): the call is over, not an application fault. */
export class ChannelGoneError extends CentralitaError {
  readonly channelId: string;
  constructor(channelId: string, options?: { cause?: unknown }) {
    super('CHANNEL_GONE', `channel ${channelId} is gone`, options);
    this.channelId = channelId;
  }
}

/** A telephony command did not settle in time (lost connection, hung PBX). */
export class TelephonyTimeoutError extends CentralitaError {
  readonly operation: string;
  readonly timeoutMs: number;
  constructor(operation: string, timeoutMs: number) {
    super('TELEPHONY_TIMEOUT', `${operation} did not complete within ${timeoutMs} ms`);
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/** The PBX refused a command (4xx/5xx other than 404 for a channel). */
export class TelephonyCommandError extends CentralitaError {
  readonly operation: string;
  readonly status: number | undefined;
  constructor(operation: string, status: number | undefined, detail: string, options?: { cause?: unknown }) {
    super('TELEPHONY_COMMAND_FAILED', `${operation} failed${status ? ` (HTTP ${status})` : ''}: ${detail}`, options);
    this.operation = operation;
    this.status = status;
  }
}

/** The PBX connection is down; the command was not sent. */
export class TelephonyDisconnectedError extends CentralitaError {
  readonly operation: string;
  constructor(operation: string) {
    super('TELEPHONY_DISCONNECTED', `${operation} not sent: ARI connection is down`);
    this.operation = operation;
  }
}

export function errorCode(err: unknown): string {
  return err instanceof CentralitaError ? err.code : 'INTERNAL';
}

/** An AMI action got no response in time (the connection is then treated as suspect). */
export class AmiTimeoutError extends CentralitaError {
  readonly action: string;
  readonly timeoutMs: number;
  constructor(action: string, timeoutMs: number) {
    super('AMI_TIMEOUT', `AMI ${action} got no response within ${timeoutMs} ms`);
    this.action = action;
    this.timeoutMs = timeoutMs;
  }
}

/** Asterisk answered an AMI action with `Response: Error` (the message is Asterisk's). */
export class AmiActionError extends CentralitaError {
  readonly action: string;
  constructor(action: string, message: string) {
    // "Permission denied": the manager user lacks the write class this action needs.
    super(/permission denied/i.test(message) ? 'AMI_PERMISSION_DENIED' : 'AMI_ACTION_FAILED', `AMI ${action} failed: ${message}`);
    this.action = action;
  }
}

/** The AMI connection is down (or went down before the response came); the action was not answered. */
export class AmiDisconnectedError extends CentralitaError {
  readonly action: string;
  constructor(action: string) {
    super('AMI_DISCONNECTED', `AMI ${action} not answered: the AMI connection is down`);
    this.action = action;
  }
}
