/**
 * The two routes the web function serves (functions/handlers/web.ts): the billing team's
 * console and the client portal.
 *
 * The console's CSRF and flash key must be the same on every Lambda instance (a form rendered
 * by one is posted to another): it is derived from the portal link secret the function already
 * reads, unless `TRUEUP_CONSOLE_KEY` is set.
 */
import { createHmac } from 'node:crypto';
import type { Deps } from '../app/deps.js';
import type { ConsoleRoute, PortalRoute } from '../app/http-types.js';
import { handleConsoleRequest } from '../app/console/router.js';
import { portalRoute as portal } from '../app/portal/router.js';

export const consoleRoute = (deps: Deps): ConsoleRoute => {
  let key: Promise<string | undefined> | undefined;
  const consoleKey = (): Promise<string | undefined> => {
    if (process.env.TRUEUP_CONSOLE_KEY) return Promise.resolve(process.env.TRUEUP_CONSOLE_KEY);
    key ??= deps.portal
      ? deps.portal.linkKey().then((secret) => createHmac('sha256', secret).update('trueup-console').digest('hex'))
      : Promise.resolve(undefined);
    return key;
  };
  return async (request, user) => {
    const k = await consoleKey();
    return handleConsoleRequest(deps, request, user, k ? { key: k } : {});
  };
};

/** One portal route per instance: its rate limiter counts across the instance's requests. */
export const portalRoute = (deps: Deps): PortalRoute => portal(deps);
