/**
 * The two routes the web function serves (functions/handlers/web.ts): the billing team's
 * console and the client portal.
 */
// Replaced at the merge with the console and portal routers.
// (handleConsoleRequest in functions/app/console/router.ts and handlePortalRequest in
// functions/app/portal/router.ts are built on other branches; until then both answer 503.)
import type { Deps } from '../app/deps.js';
import type { ConsoleRoute, HttpResponse, PortalRoute } from '../app/http-types.js';

function notMergedYet(what: string): HttpResponse {
  return {
    status: 503,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '3600' },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not merged yet · TrueUp</title></head><body><main><h1>Not merged yet</h1><p>The ${what} is not in this build yet.</p></main></body></html>`,
  };
}

export const consoleRoute =
  (_deps: Deps): ConsoleRoute =>
  async () =>
    notMergedYet('console');

export const portalRoute =
  (_deps: Deps): PortalRoute =>
  async () =>
    notMergedYet('portal');
