/**
 * The console's static files (CSS, JavaScript) that the web console deploys to its S3 bucket,
 * served by CloudFront under `/assets/*` (lib/constructs/web-console.ts). Locally the web
 * server serves the same list.
 *
 * At the merge this re-exports the console's list:
 *   export { CONSOLE_ASSETS as WEB_ASSETS } from '../functions/render/console/assets.js';
 * Until then there is nothing to deploy, and the stack creates no deployment.
 */

/** One static file: its URL path (`/assets/console.css`), its Content-Type, its text. */
export interface WebAsset {
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

export const WEB_ASSETS: readonly WebAsset[] = [];
