/**
 * The process: read configuration, load the knowledge in hooks/, serve.
 * Refuses to start on a broken configuration or knowledge file.
 */
import { createApp } from './app';
import { loadConfig } from './config';
import { loadKnowledge } from './knowledge';
import { createLogger } from './logger';

function main(): void {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`relapsed-all-cds: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  let knowledge;
  try {
    knowledge = loadKnowledge(config.hooksDir, config.valueSetDir);
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'cannot load hooks/ knowledge');
    process.exit(1);
  }
  const app = createApp({ config, logger, knowledge, settings: config.clinical });
  const server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ port, valueSetDir: config.valueSetDir ?? null }, `relapsed-ALL CDS service listening: discovery at http://localhost:${port}/cds-services`);
  });
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = Math.min(config.requestTimeoutMs, 60_000);

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main();
