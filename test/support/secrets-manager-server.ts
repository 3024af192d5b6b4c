/**
 * A Secrets Manager stand-in on 127.0.0.1 for the SDK v3 client: the awsJson1_1 protocol
 * (`POST /`, `X-Amz-Target: secretsmanager.<Operation>`), GetSecretValue and PutSecretValue
 * with the response and error shapes of the Secrets Manager API reference (`__type` names the
 * exception). Each put makes a new AWSCURRENT version; a put repeating a ClientRequestToken
 * makes none (the API's idempotency).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface SecretsManagerStandIn {
  readonly endpoint: string;
  /** A client pointed at the stand-in (its own credentials and region). */
  client(): SecretsManagerClient;
  /** The current value of a secret, by name. */
  current(name: string): string | undefined;
  /** Every version written by PutSecretValue, oldest first. */
  readonly puts: { name: string; value: string; token: string | undefined }[];
  /** Operations received, in order. */
  readonly calls: string[];
  close(): Promise<void>;
}

const ARN_PREFIX = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:';

export async function startSecretsManager(initial: Record<string, string>): Promise<SecretsManagerStandIn> {
  const secrets = new Map(Object.entries(initial));
  const tokens = new Set<string>();
  const puts: SecretsManagerStandIn['puts'] = [];
  const calls: string[] = [];
  const nameOf = (id: string): string => (id.startsWith(ARN_PREFIX) ? id.slice(ARN_PREFIX.length) : id);

  const server = createServer((request, response) => {
    void body(request).then((text) => {
      const operation = String(request.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
      calls.push(operation);
      const input = JSON.parse(text || '{}') as {
        SecretId?: string;
        SecretString?: string;
        ClientRequestToken?: string;
      };
      const name = nameOf(input.SecretId ?? '');
      const reply = (status: number, json: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(json));
      };
      if (!secrets.has(name))
        return reply(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
      if (operation === 'GetSecretValue')
        return reply(200, {
          ARN: `${ARN_PREFIX}${name}`,
          Name: name,
          VersionId: `v${puts.length}`,
          SecretString: secrets.get(name),
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 1_780_000_000,
        });
      if (operation === 'PutSecretValue') {
        const token = input.ClientRequestToken;
        if (token === undefined || !tokens.has(token)) {
          if (token !== undefined) tokens.add(token);
          secrets.set(name, input.SecretString ?? '');
          puts.push({ name, value: input.SecretString ?? '', token });
        }
        return reply(200, {
          ARN: `${ARN_PREFIX}${name}`,
          Name: name,
          VersionId: token ?? `v${puts.length}`,
          VersionStages: ['AWSCURRENT'],
        });
      }
      return reply(400, { __type: 'InvalidRequestException', message: `not in the stand-in: ${operation}` });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    client: () =>
      new SecretsManagerClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      }),
    current: (name) => secrets.get(nameOf(name)),
    puts,
    calls,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

function body(request: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    request.on('error', fail);
  });
}
