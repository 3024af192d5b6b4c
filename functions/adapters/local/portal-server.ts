/**
 * The client portal alone on 127.0.0.1 (`trueup local`, `simulate`): the local web server
 * (web-server.ts) with only the portal route, so the links emails carry open here; 404 outside
 * `/portal/`. Its only form is a question of at most 2,000 characters, so bodies stop at 64 KB.
 */
import type { PortalRoute } from '../../app/http-types.js';
import { startWebServer, type WebServer } from './web-server.js';

export type PortalServer = WebServer;

const MAX_BODY_BYTES = 64 * 1024;

export function startPortalServer(route: PortalRoute, options: { port?: number } = {}): Promise<PortalServer> {
  return startWebServer({ portal: route, maxBodyBytes: MAX_BODY_BYTES, ...options });
}
