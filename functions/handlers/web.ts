/**
 * The web function (CDK config `web: true`): the one Lambda behind the API Gateway HTTP API
 * that CloudFront sends every non-asset request to. It signs the billing team in with Cognito
 * and serves the console, and serves the client portal to signed links
 * (functions/adapters/aws/web-handler.ts). Deps are built once per container (runtime.ts), with
 * the portal wiring from PORTAL_BASE_URL and PORTAL_LINK_SECRET_ARN.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { createWebHandler, type HttpApiResult } from '../adapters/aws/web-handler.js';
import { consoleRoute, portalRoute } from './web-routes.js';
import { deps, logger } from './runtime.js';

/** What the stack gives this function besides the pipeline's environment (lib/constructs/web-console.ts). */
const WebEnv = z.object({
  USER_POOL_ID: z.string().min(1),
  USER_POOL_CLIENT_ID: z.string().min(1),
  /** The managed login's base URL, https://<prefix>.auth.<region>.amazoncognito.com */
  COGNITO_DOMAIN_URL: z.string().url(),
  /** The CloudFront URL: the base of the callback and sign-out URLs registered on the app client. */
  CONSOLE_URL: z.string().url(),
});

function loadWebEnv(source: Record<string, string | undefined>): z.infer<typeof WebEnv> {
  const parsed = WebEnv.safeParse(source);
  if (!parsed.success)
    throw new Error(
      `TrueUp web function misconfigured: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

const web = loadWebEnv(process.env);

const handle = createWebHandler({
  deps,
  consoleRoute,
  portalRoute,
  auth: {
    userPoolId: web.USER_POOL_ID,
    clientId: web.USER_POOL_CLIENT_ID,
    domainUrl: web.COGNITO_DOMAIN_URL,
    baseUrl: web.CONSOLE_URL,
  },
});

export const handler = async (event: unknown, context: Context): Promise<HttpApiResult> => {
  logger.addContext(context);
  const result = await handle(event);
  logger.info('web request', { path: loggedPath(event), status: result.statusCode });
  return result;
};

/** The path to log: a portal path carries the client's link token, a credential, and is logged without it. */
function loggedPath(event: unknown): string | undefined {
  const path = (event as { rawPath?: unknown }).rawPath;
  if (typeof path !== 'string') return undefined;
  return path.startsWith('/portal/') ? '/portal/…' : path;
}
