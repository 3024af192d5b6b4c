/**
 * The books connection on AWS (docs/deploy.md, "Connect the books"): one Secrets Manager secret
 * whose JSON is the `BooksTokens` of the configured system (written by `trueup accounting
 * connect --outputs …`, rewritten by the adapter on every token refresh).
 *
 * Rotation rule — one publisher at a time. Both systems rotate refresh tokens: a refresh
 * may return a new refresh token, and the old one then stops working (Xero documents a
 * 30-minute grace period for the previous one). Two publishers refreshing from the same stored
 * token could each store a different successor, and a later refresh from the one that lost
 * would fail with `invalid_grant` until someone reconnects. So:
 *
 * - The publish function runs one at a time (reserved concurrency 1), and the schedule runs
 *   once a day; `trueup accounting publish --outputs …` uses this same store and should not be
 *   run while the scheduled run is (docs/deploy.md says so).
 * - `read()` is never cached: every read is `GetSecretValue` of the current version. An adapter
 *   reads the store again right before it refreshes (decision 10: refresh only when the access
 *   token is missing or expires within 60 s), so a publisher that starts after another has
 *   refreshed finds the fresh access token stored and does not refresh at all. What is left is
 *   the window of one refresh round trip (for Xero, well inside its grace period).
 * - `write()` stores the new set at once (`PutSecretValue`, a new AWSCURRENT version) before the
 *   adapter uses the new access token. Should two refreshes still overlap, the last one written
 *   wins: each write follows its refresh at once, so that is the set the provider issued last.
 *
 * No value of the secret is ever logged or put in an error: errors name the secret and fields.
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { BooksSystemName, BooksTokens, BooksTokenStore } from '../../app/books-ports.js';
import { BooksTokensError, connectHint, parseStoredTokens, storedTokensJson } from './token-json.js';

export interface SecretsTokenStoreOptions {
  readonly client: SecretsManagerClient;
  /** The secret's ARN (or name): the stack output `BooksSecretArn`. */
  readonly secretId: string;
  /** The system the connection is for (trueup.json `accounting.publish.system`). */
  readonly system: BooksSystemName;
}

export class SecretsTokenStore implements BooksTokenStore {
  constructor(private readonly options: SecretsTokenStoreOptions) {}

  async read(): Promise<BooksTokens> {
    const { client, secretId, system } = this.options;
    const where = `The books secret ${secretId}`;
    let text: string | undefined;
    try {
      const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      text = result.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException)
        throw new BooksTokensError(`${where} does not exist: deploy with \`books: true\`, then ${connectHint(system)}`);
      throw error;
    }
    return parseStoredTokens(text, system, where);
  }

  async write(tokens: BooksTokens): Promise<void> {
    const { client, secretId, system } = this.options;
    // The SDK gives the request a ClientRequestToken it keeps across its own retries, so a
    // retried write after a lost response makes one version, not two.
    await client.send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: storedTokensJson(tokens, system) }),
    );
  }
}
