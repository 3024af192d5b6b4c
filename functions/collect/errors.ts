/** Errors a source can raise: whether a retry can help decides the backoff. */

/** A failure worth retrying (network, timeout, HTTP 5xx or 429, an export still failing). */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly retryable = true,
  ) {
    super(message);
  }
}

/** A missing or refused credential: retrying does not help; the message says what to fix. */
export class CredentialError extends SourceError {
  constructor(message: string) {
    super(message, false);
  }
}

/** The source's settings or the remote answer make no sense: retrying does not help. */
export class PermanentSourceError extends SourceError {
  constructor(message: string) {
    super(message, false);
  }
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof SourceError) return error.retryable;
  return true; // unknown errors (sockets, DNS, SDK throttling) are assumed transient
}
