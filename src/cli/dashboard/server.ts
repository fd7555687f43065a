/**
 * The dashboard's HTTP server: one page, `/api/snapshot`, `/api/events` (Server-Sent Events) and
 * `/metrics` (Prometheus). Read-only: every route only reads the latest reports, which one poll
 * loop makes every `interval` seconds (so N browsers cost Redis nothing more than one).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PoolReporter } from '../pools.js';
import page from './page.html';
import { PoolMetrics } from './prometheus.js';
import { DashboardHistory, type DashboardState } from './state.js';

export interface DashboardOptions {
  readonly host: string;
  readonly port: number;
  /** Seconds between two reports. */
  readonly interval: number;
}

export interface RunningDashboard {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the poll loop and the server; resolves once it listens. */
export async function startDashboard(
  reporter: PoolReporter,
  options: DashboardOptions,
): Promise<RunningDashboard> {
  const history = new DashboardHistory();
  const metrics = new PoolMetrics();
  const clients = new Set<ServerResponse>();
  let state: DashboardState | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const poll = async () => {
    try {
      const outcomes = await reporter.tick();
      if (stopped) return;
      metrics.update(outcomes);
      state = history.record(outcomes, options.interval);
      const message = `data: ${JSON.stringify(state)}\n\n`;
      for (const client of clients) client.write(message);
    } catch (error) {
      // Each pool's failure is already in its outcome; anything else must not end the loop.
      process.stderr.write(`dashboard: ${(error as Error).message}\n`);
    }
    if (!stopped) timer = setTimeout(poll, options.interval * 1000);
  };
  // The first report is ready before the first request is served.
  await poll();

  const server = createServer((request, response) => {
    route(request, response).catch((error: Error) => {
      if (!response.headersSent)
        send(response, 500, 'text/plain; charset=utf-8', `error: ${error.message}\n`);
      else response.end();
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'text/plain; charset=utf-8', 'read-only: GET only\n', { Allow: 'GET, HEAD' });
      return;
    }
    switch (request.url) {
      case '/':
        send(response, 200, 'text/html; charset=utf-8', page);
        return;
      case '/api/snapshot':
        send(response, 200, 'application/json', JSON.stringify(state));
        return;
      case '/api/events':
        response.writeHead(200, {
          'Content-Type': 'text/event-stream',
          'Cache-Control': 'no-store',
          Connection: 'keep-alive',
        });
        response.write(`retry: 2000\ndata: ${JSON.stringify(state)}\n\n`);
        clients.add(response);
        request.on('close', () => clients.delete(response));
        return;
      case '/metrics':
        send(response, 200, metrics.registry.contentType, await metrics.registry.metrics());
        return;
      default:
        send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    close: async () => {
      stopped = true;
      clearTimeout(timer);
      for (const client of clients) client.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
  response.end(body);
}
