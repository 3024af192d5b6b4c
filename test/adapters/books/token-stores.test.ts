/**
 * The two homes of a books connection: the Secrets Manager secret (through the SDK, against a
 * stand-in on 127.0.0.1) and the owner-only JSON file of the local state. Both validate what
 * they read and name the missing field, never a value.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BooksTokens } from '../../../functions/app/books-ports.js';
import { SecretsTokenStore } from '../../../functions/adapters/books/secrets-token-store.js';
import { defaultTokenFile, FileTokenStore } from '../../../functions/adapters/books/file-token-store.js';
import { BooksTokensError } from '../../../functions/adapters/books/token-json.js';
import { startSecretsManager, type SecretsManagerStandIn } from '../../support/secrets-manager-server.js';

const xero: BooksTokens = {
  clientId: 'client-xero',
  clientSecret: 'shh-client-secret',
  refreshToken: 'refresh-1',
  accessToken: 'access-1',
  expiresAt: 1_780_000_000,
  tenantId: 'tenant-1',
};

describe('SecretsTokenStore', () => {
  let sm: SecretsManagerStandIn;
  beforeAll(async () => {
    sm = await startSecretsManager({
      'books-xero': JSON.stringify({ ...xero, system: 'xero' }),
      placeholder: '{}',
      'half-done': JSON.stringify({ clientId: 'c', clientSecret: 'super-secret-value', refreshToken: 7 }),
      'books-qbo': JSON.stringify({ ...xero, tenantId: undefined, realmId: '9130', system: 'quickbooks' }),
    });
  });
  afterAll(() => sm.close());

  const store = (secretId: string, system: 'xero' | 'quickbooks' = 'xero'): SecretsTokenStore =>
    new SecretsTokenStore({ client: sm.client(), secretId, system });

  it('reads the token set with GetSecretValue (by ARN or name), without the stored system', async () => {
    await expect(store('books-xero').read()).resolves.toEqual(xero);
    await expect(store('arn:aws:secretsmanager:us-east-1:123456789012:secret:books-xero').read()).resolves.toEqual(
      xero,
    );
  });

  it('writes the refreshed set with PutSecretValue, the system kept, and reads it back at once (no cache)', async () => {
    const s = store('books-xero');
    const rotated = { ...xero, refreshToken: 'refresh-2', accessToken: 'access-2', expiresAt: 1_780_001_800 };
    await s.write(rotated);
    expect(JSON.parse(sm.current('books-xero')!)).toEqual({ ...rotated, system: 'xero' });
    expect(sm.puts.at(-1)?.token).toMatch(/^[0-9a-f-]{36}$/); // the SDK's idempotency token
    await expect(s.read()).resolves.toEqual(rotated);
    expect(sm.calls.slice(-2)).toEqual(['PutSecretValue', 'GetSecretValue']);
  });

  it('says the placeholder is not connected yet, naming the fields it lacks', async () => {
    const error = await store('placeholder')
      .read()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BooksTokensError);
    expect((error as Error).message).toBe(
      'The books secret placeholder lacks or has an invalid clientId (missing), clientSecret (missing), refreshToken (missing): the books are not connected; run `trueup accounting connect --system xero …` (docs/deploy.md, "Connect the books")',
    );
  });

  it('names an invalid field but never shows a value', async () => {
    const message = await store('half-done')
      .read()
      .catch((e: Error) => e.message);
    expect(message).toMatch(/refreshToken \(wrong type\)/);
    expect(message).not.toContain('super-secret-value');
  });

  it('refuses tokens of the other system, and a Xero connection without its tenant', async () => {
    await expect(store('books-qbo', 'xero').read()).rejects.toThrow(
      'The books secret books-qbo holds a quickbooks connection, but trueup.json accounting.publish.system is xero',
    );
    await expect(store('books-qbo', 'quickbooks').read()).resolves.toMatchObject({ realmId: '9130' });
    await sm.client().send(
      new (await import('@aws-sdk/client-secrets-manager')).PutSecretValueCommand({
        SecretId: 'placeholder',
        SecretString: JSON.stringify({ clientId: 'c', clientSecret: 's', refreshToken: 'r' }),
      }),
    );
    await expect(store('placeholder').read()).rejects.toThrow(
      'The books secret placeholder lacks tenantId, which xero needs',
    );
  });

  it('says when the secret does not exist (books off in the CDK config)', async () => {
    await expect(store('nope').read()).rejects.toThrow(
      'The books secret nope does not exist: deploy with `books: true`, then run `trueup accounting connect',
    );
  });
});

describe('FileTokenStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trueup-books-'));
  });
  afterEach(() => rm(join(dir, '.trueup'), { recursive: true, force: true }));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lives in the local state folder by default, one file per system', () => {
    expect(defaultTokenFile('xero', dir)).toBe(join(dir, '.trueup', 'books-xero.json'));
    expect(defaultTokenFile('quickbooks', dir)).toBe(join(dir, '.trueup', 'books-quickbooks.json'));
  });

  it('writes owner-only (0600 in a 0700 folder), replaces atomically and reads back', async () => {
    const path = defaultTokenFile('xero', dir);
    const s = new FileTokenStore(path, 'xero');
    await s.write(xero);
    await s.write({ ...xero, refreshToken: 'refresh-2' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, '.trueup'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ system: 'xero', refreshToken: 'refresh-2' });
    await expect(s.read()).resolves.toEqual({ ...xero, refreshToken: 'refresh-2' });
  });

  it('says how to connect when there is no file, and names the file and field of a bad one', async () => {
    const path = defaultTokenFile('quickbooks', dir);
    await expect(new FileTokenStore(path, 'quickbooks').read()).rejects.toThrow(
      `No books connection in ${path}: run \`trueup accounting connect --system quickbooks …\``,
    );
    await new FileTokenStore(path, 'quickbooks').write({ ...xero, tenantId: undefined, realmId: '1' });
    const text = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...text, clientSecret: '' }));
    await expect(new FileTokenStore(path, 'quickbooks').read()).rejects.toThrow(
      `The books connection file ${path} lacks or has an invalid clientSecret (invalid)`,
    );
  });
});
