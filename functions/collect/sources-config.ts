/**
 * `sources.json` in the data folder (docs/sources.md): the pull sources the collector fetches
 * usage files from, and the vendor feeds every billing period must have.
 *
 * Kept apart from `trueup.json` (whose schema is strict and owned by the settings module):
 * a data folder without `sources.json` simply has no pull sources and no expected feeds.
 * Every problem names the source (by its name when it has one) and the field.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';

export const SOURCES_FILE = 'sources.json';

/** Where a source's secret comes from: Secrets Manager in AWS, an environment variable or a file locally. */
export type CredentialRef = { readonly secret: string } | { readonly env: string } | { readonly file: string };

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const VENDOR = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const RATE = /^rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)$/;
const CRON = /^cron\((\S+ ){5}\S+\)$/;

function got(input: unknown): string {
  if (input === undefined) return 'nothing';
  return JSON.stringify(input) ?? String(input);
}

function strict<S extends z.core.$ZodLooseShape>(shape: S) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `has unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (known here: ${known.join(', ')})`
        : `must be a JSON object (got ${got(issue.input)})`,
  });
}

const text = (what: string) =>
  z
    .string({ error: (issue) => `must be ${what} (got ${got(issue.input)})` })
    .min(1, { error: `must be ${what} (got "")` });

/**
 * A data folder may come from anyone: its credentials may name only variables meant for
 * TrueUp and files inside the folder itself, never e.g. AWS_SECRET_ACCESS_KEY or ~/.ssh/id_rsa.
 */
export const CREDENTIAL_ENV = /^TRUEUP_[A-Za-z0-9_]+$/;

/** Relative, without ".." (symbolic links are checked when the file is read). */
function isInsidePath(path: string): boolean {
  return !isAbsolute(path) && !/^[A-Za-z]:/.test(path) && !path.split(/[\\/]/).includes('..');
}

const credentialSchema = z.union(
  [
    strict({ secret: text('a Secrets Manager secret name or ARN') }),
    strict({
      env: text('an environment variable name').regex(CREDENTIAL_ENV, {
        error: (i) =>
          `must be an environment variable whose name starts with TRUEUP_, like "TRUEUP_PAX8" (got ${got(i.input)})`,
      }),
    }),
    strict({
      file: text('a file path').refine(isInsidePath, {
        error: (i) => `must be a path inside the data folder, like "secrets/pax8.json" (got ${got(i.input)})`,
      }),
    }),
  ],
  {
    error: (issue) => `must be one of {"secret": NAME}, {"env": VARIABLE} or {"file": PATH} (got ${got(issue.input)})`,
  },
);

const scheduleSchema = text('an EventBridge schedule like "rate(1 day)" or "cron(0 6 * * ? *)"').refine(
  (s) => RATE.test(s) || CRON.test(s),
  {
    error: (i) =>
      `must be an EventBridge schedule like "rate(1 day)", "rate(6 hours)" or "cron(0 6 * * ? *)" (got ${got(i.input)})`,
  },
);

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/** An https URL; plain http only to this machine (tests, a local proxy), so credentials never travel in clear. */
const urlSchema = text('a URL').refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
    } catch {
      return false;
    }
  },
  { error: (i) => `must be an https:// URL (plain http only to 127.0.0.1 or localhost) (got ${got(i.input)})` },
);

const common = {
  name: text('a source name').regex(NAME, {
    error: (i) => `must be 1–63 characters of a–z, 0–9 and "-", starting with a letter or digit (got ${got(i.input)})`,
  }),
  schedule: scheduleSchema,
  /** Optional: the vendor whose files this source delivers (used by expected feeds and logs). */
  vendor: text('a vendor key')
    .regex(VENDOR, { error: (i) => `must be a lower-case vendor key like "pax8" (got ${got(i.input)})` })
    .optional(),
  enabled: z.boolean({ error: (i) => `must be true or false (got ${got(i.input)})` }).optional(),
};

/** A PEM file of extra certificate authorities to trust (a vendor's private CA). */
const caFile = text('a path to a PEM file').optional();

const httpsSource = strict({
  ...common,
  type: z.literal('https'),
  credential: credentialSchema.optional(),
  url: urlSchema,
  auth: z
    .enum(['none', 'bearer', 'basic', 'header'], {
      error: (i) => `must be one of none, bearer, basic, header (got ${got(i.input)})`,
    })
    .optional(),
  header: text('an HTTP header name')
    .regex(/^[A-Za-z0-9-]+$/, { error: (i) => `must be an HTTP header name (got ${got(i.input)})` })
    .optional(),
  fileName: text('a file name')
    .regex(/^[^/\\]+$/, { error: (i) => `must be a file name without "/" (got ${got(i.input)})` })
    .optional(),
  caFile,
});

const sftpSource = strict({
  ...common,
  type: z.literal('sftp'),
  credential: credentialSchema,
  host: text('a host name'),
  port: z
    .number({ error: (i) => `must be a port number (got ${got(i.input)})` })
    .int()
    .min(1)
    .max(65535)
    .optional(),
  path: text('a remote folder like "/outbox"'),
  pattern: text('a file name pattern like "*.csv"').optional(),
  hostKeySha256: text('the server host key fingerprint like "SHA256:…"').regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, {
    error: (i) =>
      `must be a host key fingerprint as ssh-keygen -lf prints it, like "SHA256:" and 43 base64 characters (got ${got(i.input)})`,
  }),
});

const s3Source = strict({
  ...common,
  type: z.literal('s3'),
  credential: credentialSchema.optional(),
  bucket: text('a bucket name').regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    error: (i) => `must be an S3 bucket name (got ${got(i.input)})`,
  }),
  prefix: z.string({ error: (i) => `must be a key prefix (got ${got(i.input)})` }).optional(),
  region: text('an AWS region').optional(),
  /** An S3-compatible endpoint (another provider, or the embedded stand-in); path-style addressing. */
  endpoint: urlSchema.optional(),
});

const pax8Source = strict({
  ...common,
  type: z.literal('pax8'),
  credential: credentialSchema,
  apiUrl: urlSchema.optional(),
  tokenUrl: urlSchema.optional(),
  audience: text('an audience').optional(),
  /** Only invoices dated on or after this day (YYYY-MM-DD). */
  since: text('a date')
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: (i) => `must be a date YYYY-MM-DD (got ${got(i.input)})` })
    .optional(),
  caFile,
});

const partnerCenterSource = strict({
  ...common,
  type: z.literal('partner-center'),
  credential: credentialSchema,
  tenantId: text('the partner tenant id (a GUID or domain)'),
  loginUrl: urlSchema.optional(),
  partnerCenterUrl: urlSchema.optional(),
  graphUrl: urlSchema.optional(),
  /** Only invoices dated on or after this day (YYYY-MM-DD). */
  since: text('a date')
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: (i) => `must be a date YYYY-MM-DD (got ${got(i.input)})` })
    .optional(),
  attributeSet: z.enum(['full', 'basic'], { error: (i) => `must be full or basic (got ${got(i.input)})` }).optional(),
  pollSeconds: z
    .number({ error: (i) => `must be a number of seconds (got ${got(i.input)})` })
    .min(0)
    .max(300)
    .optional(),
  maxWaitSeconds: z
    .number({ error: (i) => `must be a number of seconds (got ${got(i.input)})` })
    .min(0)
    .max(900)
    .optional(),
  caFile,
});

const TYPES = ['https', 'sftp', 's3', 'pax8', 'partner-center'] as const;

const sourceSchema = z
  .discriminatedUnion('type', [httpsSource, sftpSource, s3Source, pax8Source, partnerCenterSource], {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `must be one of ${TYPES.join(', ')} (got ${got((issue.input as { type?: unknown } | undefined)?.type)})`
        : undefined,
  })
  .superRefine((source, ctx) => {
    if (source.type === 'https') {
      const auth = source.auth ?? (source.credential ? 'bearer' : 'none');
      if (auth !== 'none' && !source.credential)
        ctx.addIssue({ code: 'custom', path: ['credential'], message: `is required with auth "${auth}"` });
      if (auth === 'header' && !source.header)
        ctx.addIssue({
          code: 'custom',
          path: ['header'],
          message: 'is required with auth "header" (the header that carries the key, like "X-Api-Key")',
        });
    }
  });

export type SourceConfig = z.output<typeof sourceSchema>;
export type SourceType = SourceConfig['type'];
export type SourceOf<T extends SourceType> = Extract<SourceConfig, { type: T }>;

const expectedFeedSchema = strict({
  vendor: text('a vendor key').regex(VENDOR, {
    error: (i) => `must be a lower-case vendor key like "pax8" (got ${got(i.input)})`,
  }),
  dayOfMonth: z
    .number({ error: (i) => `must be a whole number from 1 to 31 (got ${got(i.input)})` })
    .int({ error: (i) => `must be a whole number from 1 to 31 (got ${got(i.input)})` })
    .min(1, { error: (i) => `must be a whole number from 1 to 31 (got ${got(i.input)})` })
    .max(31, { error: (i) => `must be a whole number from 1 to 31 (got ${got(i.input)})` })
    .optional(),
});
export type ExpectedFeed = z.output<typeof expectedFeedSchema>;

const fileSchema = strict({
  sources: z.array(sourceSchema, { error: (i) => `must be a list of sources (got ${got(i.input)})` }).optional(),
  expectedFeeds: z
    .array(expectedFeedSchema, {
      error: (i) => `must be a list like [{"vendor": "pax8", "dayOfMonth": 5}] (got ${got(i.input)})`,
    })
    .optional(),
}).superRefine((file, ctx) => {
  const seen = new Map<string, number>();
  (file.sources ?? []).forEach((source, i) => {
    const first = seen.get(source.name);
    if (first !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['sources', i, 'name'],
        message: `is used twice: sources[${first}] has the same name`,
      });
    else seen.set(source.name, i);
  });
  const vendors = new Map<string, number>();
  (file.expectedFeeds ?? []).forEach((feed, i) => {
    const first = vendors.get(feed.vendor);
    if (first !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['expectedFeeds', i, 'vendor'],
        message: `is listed twice: expectedFeeds[${first}] has the same vendor`,
      });
    else vendors.set(feed.vendor, i);
  });
});

export interface SourcesConfig {
  readonly sources: readonly SourceConfig[];
  readonly expectedFeeds: readonly ExpectedFeed[];
}

export const EMPTY_SOURCES: SourcesConfig = { sources: [], expectedFeeds: [] };

export type SourcesParse = { ok: true; value: SourcesConfig } | { ok: false; problems: string[] };

/** Validates parsed `sources.json`; each problem reads like `sources.json: source "pax8" (sources[1]): tokenUrl: must be …`. */
export function parseSourcesConfig(json: unknown, file = SOURCES_FILE): SourcesParse {
  const parsed = fileSchema.safeParse(json);
  if (parsed.success)
    return { ok: true, value: { sources: parsed.data.sources ?? [], expectedFeeds: parsed.data.expectedFeeds ?? [] } };
  const problems = parsed.error.issues.map((issue) => `${file}: ${where(json, issue.path)}${issue.message}`);
  return { ok: false, problems: [...new Set(problems)] };
}

function where(json: unknown, path: readonly PropertyKey[]): string {
  if (path.length === 0) return '';
  if (path[0] === 'sources' && typeof path[1] === 'number') {
    const entry = (json as { sources?: unknown[] }).sources?.[path[1]] as { name?: unknown } | undefined;
    const label =
      typeof entry?.name === 'string' && entry.name !== ''
        ? `source "${entry.name}" (sources[${path[1]}])`
        : `sources[${path[1]}]`;
    const rest = path.slice(2).map(String).join('.');
    return `${label}: ${rest ? `${rest}: ` : ''}`;
  }
  if (path[0] === 'expectedFeeds' && typeof path[1] === 'number') {
    const rest = path.slice(2).map(String).join('.');
    return `expectedFeeds[${path[1]}]: ${rest ? `${rest}: ` : ''}`;
  }
  return `${path.map(String).join('.')}: `;
}

export class SourcesConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`${problems.length} problem(s) in ${SOURCES_FILE}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** Reads `<dataDir>/sources.json`; a missing file means no sources and no expected feeds. */
export async function readSourcesFile(dataDir: string): Promise<SourcesConfig> {
  const path = join(dataDir, SOURCES_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_SOURCES;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new SourcesConfigError([`${SOURCES_FILE}: is not valid JSON (${(error as Error).message})`]);
  }
  const parsed = parseSourcesConfig(json);
  if (!parsed.ok) throw new SourcesConfigError(parsed.problems);
  return parsed.value;
}

export function findSource(config: SourcesConfig, name: string): SourceConfig {
  const source = config.sources.find((s) => s.name === name);
  if (!source) {
    const names = config.sources.map((s) => s.name);
    throw new SourcesConfigError([
      `no source named "${name}" (${names.length ? `configured: ${names.join(', ')}` : `none configured in ${SOURCES_FILE}`})`,
    ]);
  }
  return source;
}

const PAX8_DEFAULT_API = 'https://api.pax8.com';
const PARTNER_CENTER_DEFAULTS = [
  'https://login.microsoftonline.com',
  'https://api.partnercenter.microsoft.com',
  'https://graph.microsoft.com',
];

function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * The hosts outside this machine a pull of `source` talks to on the embedded runtime (`simulate`,
 * `demo`), where an `s3` source without `endpoint` reads a bucket on the embedded stand-in.
 * Empty when the source stays on this machine.
 */
export function remoteHosts(source: SourceConfig): string[] {
  const urls: string[] = [];
  if (source.type === 'https') urls.push(source.url);
  if (source.type === 's3' && source.endpoint) urls.push(source.endpoint);
  if (source.type === 'pax8')
    urls.push(source.apiUrl ?? PAX8_DEFAULT_API, ...(source.tokenUrl ? [source.tokenUrl] : []));
  if (source.type === 'partner-center') {
    const [login, partnerCenter, graph] = PARTNER_CENTER_DEFAULTS;
    urls.push(source.loginUrl ?? login!, source.partnerCenterUrl ?? partnerCenter!, source.graphUrl ?? graph!);
  }
  const hosts = urls.map((url) => new URL(url).hostname);
  if (source.type === 'sftp') hosts.push(source.host);
  return [...new Set(hosts.filter((host) => !isLoopbackHost(host)))];
}
