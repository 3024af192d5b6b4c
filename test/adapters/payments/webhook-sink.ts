/** A webhook receiver on 127.0.0.1 for the Stripe adapter's tests: keeps every delivery as it came. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  readonly payload: string;
  readonly signature: string | undefined;
  readonly type: string;
}

export interface WebhookSink {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** Answer this status to the next deliveries (default 200). */
  status: number;
  stop(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const deliveries: Delivery[] = [];
  const sink = { status: 200 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const payload = Buffer.concat(chunks).toString('utf8');
      const signature = req.headers['stripe-signature'];
      const { type } = JSON.parse(payload) as { type: string };
      if (sink.status < 300)
        deliveries.push({ payload, signature: Array.isArray(signature) ? signature[0] : signature, type });
      res.writeHead(sink.status);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  return Object.assign(sink, {
    url,
    deliveries,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
