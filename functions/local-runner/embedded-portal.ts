/**
 * The client portal in the embedded runtime (docs/portal.md, "Locally"): its wiring in the
 * installation's deps and a web server for `/portal/*` on 127.0.0.1, whose URL the emailed
 * links point to. `serve` lets the caller put the route behind another server (the console's
 * local web server); by default a portal-only one is started.
 */
import { startPortalServer } from '../adapters/local/portal-server.js';
import { localPortalWiring } from '../adapters/local/local-portal.js';
import type { Deps } from '../app/deps.js';
import type { PortalRoute } from '../app/http-types.js';
import { PortalRateLimiter } from '../app/portal/rate-limit.js';
import { portalRoute } from '../app/portal/router.js';

export interface EmbeddedPortalOptions {
  /** The key links are signed with (`.trueup/portal-key`, or simulate's key of the data folder). */
  readonly key: string;
  /** The portal's clock (tokens are checked against it); default the real time. */
  readonly now?: () => Date;
  /** Serves the route and gives its base URL; default a portal-only node:http server. */
  readonly serve?: (route: PortalRoute) => Promise<{ readonly url: string; stop(): Promise<void> }>;
}

export interface EmbeddedPortal {
  /** The deps given, with `portal` wired. */
  readonly deps: Deps;
  /** The route, for another server to serve as well. */
  readonly route: PortalRoute;
  /** Where the portal is served (`http://127.0.0.1:<port>`). */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * `deps` may be a function read on each request, for deps that change after the portal starts
 * (the payments stand-in wired next): the route always sees the installation's latest deps.
 */
export async function startEmbeddedPortal(
  deps: Deps | (() => Deps),
  options: EmbeddedPortalOptions,
): Promise<EmbeddedPortal> {
  const local = localPortalWiring(options.key);
  const current = (): Deps => ({ ...(typeof deps === 'function' ? deps() : deps), portal: local.wiring });
  // One limiter for the life of the server, as in one process on AWS; the deps read per request.
  const limiter = new PortalRateLimiter();
  const handle: PortalRoute = (request) =>
    portalRoute(current(), { limiter, ...(options.now ? { now: options.now } : {}) })(request);
  const server = await (options.serve ?? startPortalServer)(handle);
  local.connect(server.url);
  return { deps: current(), route: handle, url: server.url, stop: () => server.stop() };
}
