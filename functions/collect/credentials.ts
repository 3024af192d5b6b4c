/**
 * Credential references (sources.json `credential`) and how they resolve: `{ "secret" }` from
 * AWS Secrets Manager in the cloud (and nothing else there); `{ "env" }` (TRUEUP_… only) and
 * `{ "file" }` (inside the data folder only) on the embedded runtime and the CLI. A secret is either a plain string (a bearer token, an API key) or a JSON object whose
 * fields each source type documents (docs/sources.md). Values never appear in errors or logs.
 */
import { readFile, realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { z } from 'zod';
import { CREDENTIAL_ENV, type CredentialRef } from './sources-config.js';
import { CredentialError } from './errors.js';

export interface CredentialResolver {
  /** The secret's text; throws CredentialError naming the reference (never the value). */
  resolve(ref: CredentialRef): Promise<string>;
}

export function describeRef(ref: CredentialRef): string {
  if ('secret' in ref) return `secret "${ref.secret}"`;
  if ('env' in ref) return `environment variable ${ref.env}`;
  return `file ${ref.file}`;
}

export type GetSecret = (secretId: string) => Promise<string | undefined>;

/**
 * Resolves every kind of reference. With `getSecret` (the collector Lambda) only `secret`
 * references resolve, from Secrets Manager: the Lambda's environment holds its own AWS
 * credentials. Without it (the embedded runtime, the CLI) `env` reads only variables named
 * TRUEUP_…, and `file` only files inside the data folder (`baseDir`), symbolic links included.
 */
export function credentialResolver(
  options: {
    readonly env?: Record<string, string | undefined>;
    /** The data folder: `file` paths are resolved from here and must stay inside it. */
    readonly baseDir?: string;
    readonly getSecret?: GetSecret;
  } = {},
): CredentialResolver {
  const env = options.env ?? process.env;
  return {
    async resolve(ref) {
      if (!('secret' in ref) && options.getSecret) {
        throw new CredentialError(
          `${describeRef(ref)}: on AWS, credentials come only from Secrets Manager; use {"secret": …}`,
        );
      }
      if ('env' in ref) {
        if (!CREDENTIAL_ENV.test(ref.env))
          throw new CredentialError(
            `${describeRef(ref)} is refused: only variables whose name starts with TRUEUP_ may hold a source's credential`,
          );
        const value = env[ref.env];
        if (value === undefined || value === '') throw new CredentialError(`${describeRef(ref)} is not set`);
        return value;
      }
      if ('file' in ref) return readCredentialFile(ref, options.baseDir);
      if (!options.getSecret) {
        throw new CredentialError(
          `${describeRef(ref)} resolves only in the collector Lambda (AWS Secrets Manager); locally use {"env": …} or {"file": …}`,
        );
      }
      let value: string | undefined;
      try {
        value = await options.getSecret(ref.secret);
      } catch (error) {
        throw new CredentialError(
          `${describeRef(ref)} cannot be read from Secrets Manager (${(error as Error).name || 'error'}: ${(error as Error).message})`,
        );
      }
      if (value === undefined || value === '') throw new CredentialError(`${describeRef(ref)} has no SecretString`);
      return value;
    },
  };
}

/** A `file` credential: inside the data folder once every symbolic link is followed. */
async function readCredentialFile(ref: { readonly file: string }, baseDir: string | undefined): Promise<string> {
  if (baseDir === undefined)
    throw new CredentialError(`${describeRef(ref)} resolves only inside a data folder (pass --data DIR)`);
  let path: string;
  try {
    const base = await realpath(baseDir);
    path = await realpath(resolve(base, ref.file));
    if (path !== base && !path.startsWith(base + sep)) {
      throw new CredentialError(
        `${describeRef(ref)} is refused: a credential file must be inside the data folder ${baseDir}`,
      );
    }
    const value = (await readFile(path, 'utf8')).trim();
    if (value === '') throw new CredentialError(`${describeRef(ref)} is empty`);
    return value;
  } catch (error) {
    if (error instanceof CredentialError) throw error;
    throw new CredentialError(
      `${describeRef(ref)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/**
 * Secrets Manager through the AWS Parameters and Secrets Lambda Extension (a layer on the
 * collector function): a GET on localhost, authorised by the function's session token, so no
 * Secrets Manager SDK client is bundled. Caches per the extension's own TTL.
 */
export function lambdaExtensionSecrets(options: { port?: number; sessionToken?: string } = {}): GetSecret {
  const port = options.port ?? Number(process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773);
  return async (secretId) => {
    const token = options.sessionToken ?? process.env.AWS_SESSION_TOKEN;
    if (!token) throw new Error('AWS_SESSION_TOKEN is not set (not running in Lambda)');
    const response = await fetch(
      `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`,
      {
        headers: { 'X-Aws-Parameters-Secrets-Token': token },
      },
    );
    if (!response.ok) throw new Error(`the secrets extension answered HTTP ${response.status}`);
    const body = (await response.json()) as { SecretString?: string };
    return body.SecretString;
  };
}

/** Parses a secret that must be a JSON object with the given fields. */
export function jsonSecret<T extends z.ZodType>(
  text: string,
  schema: T,
  ref: CredentialRef,
  expected: string,
): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialError(`${describeRef(ref)} must hold JSON like ${expected}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(whole value)'))].join(', ');
    throw new CredentialError(`${describeRef(ref)} must hold JSON like ${expected} (problem with: ${fields})`);
  }
  return parsed.data;
}

export const ClientCredentials = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) });
export const CLIENT_CREDENTIALS_SHAPE = '{"clientId": "…", "clientSecret": "…"}';
