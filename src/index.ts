/**
 * The process: read configuration, load the knowledge in hooks/, serve.
 * Refuses to start on a broken configuration or knowledge file; stops
 * gracefully on SIGTERM / SIGINT, finishing requests in flight.
 *
 * Every core works: invocations are answered by CDS_WORKERS worker threads
 * (default one per core beside this one, use-case/answer-pool.ts) while this
 * thread serves HTTP, the health probes, the metrics and feedback, so a
 * saturated service still answers its probes. CDS_WORKERS=0 answers here.
 */
import { cardIdKeyOf, loadConfig, type Config } from './config';
import { CardIds } from './cards/card-id';
import { loadKnowledge, type Knowledge } from './knowledge';
import { createLogger, flushLogs } from './logger';
import { startServer } from './server';
import { createAnswerPool } from './use-case/answer-pool';
import type { RawRequest } from './use-case/answer-raw';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`relapsed-all-cds: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  let knowledge: Knowledge;
  try {
    knowledge = loadKnowledge(config.hooksDir, config.valueSetDir);
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'cannot load hooks/ knowledge');
    await flushLogs();
    process.exit(1);
  }
  for (const warning of config.warnings) logger.warn(warning);
  process.on('unhandledRejection', (reason) => logger.error({ reason: String(reason) }, 'unhandled rejection'));

  // The card id key: made here (development) before the answer threads read it.
  let cardIds: CardIds;
  try {
    cardIds = new CardIds(cardIdKeyOf(config));
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'cannot read or make the card id key');
    await flushLogs();
    process.exit(1);
  }
  // The answer threads (none with CDS_WORKERS=0: this thread answers too).
  const pool = config.workers > 0 ? createAnswerPool(config.workers, logger) : undefined;
  try {
    await pool?.ready;
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'the answer threads could not start');
    await pool?.close();
    await flushLogs();
    process.exit(1);
  }
  const running = await startServer({
    config,
    logger,
    knowledge,
    settings: config.clinical,
    cardIds,
    ...(pool ? { answer: (request: RawRequest) => pool.answer(request), answerPool: pool } : {}),
  });
  logger.info(
    { port: running.port, host: config.host, valueSetDir: config.valueSetDir ?? null },
    `relapsed-ALL CDS service listening: discovery at ${running.url}/cds-services`,
  );
  if (config.auth.mode === 'required') {
    // A wrong aud or an untrusted key is a bare 401 to the client (the CDS Hooks Sandbox shows "All clear"):
    // say here what a token must carry, and every refusal is logged at warn with its reason.
    logger.info(
      { issuers: config.auth.issuers.map((i) => i.iss), audiences: config.auth.publicUrl.map((u) => `${u}/cds-services/...`) },
      'JWT required: tokens must come from a trusted issuer and name one of these audiences',
    );
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    void running
      .close()
      .then(() => pool?.close())
      .then(() => {
        logger.info('stopped');
        void flushLogs().then(() => process.exit(0));
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
