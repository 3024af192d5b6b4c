/**
 * The console on the embedded stand-in (docs/console.md): the local web server with the
 * console route on the runtime's deps, for `trueup local` and `simulate --serve`. After an
 * action, the queues are drained as the CLI drains them (on AWS the workers' event sources
 * do it): an approved draft is issued and emailed before the page that says so is shown.
 */
import { handleConsoleRequest } from '../app/console/router.js';
import type { ConsoleUser, PortalRoute } from '../app/http-types.js';
import { DiscrepancyMessageSchema, WorkMessageSchema } from '../app/messages.js';
import { storeDiscrepancy } from '../app/store-discrepancy.js';
import { handleWorkMessage } from '../app/work-messages.js';
import { startWebServer, type WebServer } from '../adapters/local/web-server.js';
import type { LocalInstallation } from './local-runtime.js';

export async function serveConsole(
  runtime: LocalInstallation,
  user: ConsoleUser,
  options: { portal?: PortalRoute; port?: number } = {},
): Promise<WebServer> {
  const { deps } = runtime;
  return startWebServer({
    user,
    ...options,
    console: async (request, who) => {
      const response = await handleConsoleRequest(deps, request, who);
      if (request.method === 'POST') {
        await runtime.drain(runtime.queues.work, WorkMessageSchema, (m) => handleWorkMessage(deps, m));
        await runtime.drain(runtime.queues.discrepancies, DiscrepancyMessageSchema, async (m) => {
          await storeDiscrepancy(deps, m);
        });
      }
      return response;
    },
    onError: (error) =>
      deps.log.warn('console error', { error: error instanceof Error ? error.message : String(error) }),
  });
}
