/**
 * An answer worker thread: loads the configuration and knowledge itself (the
 * same environment as the process), then answers raw invocations sent by the
 * request thread (answer-pool.ts), one message each. The FHIR fallback runs
 * here too; the access token never leaves this thread and is dropped with
 * the request.
 */
import { parentPort } from 'node:worker_threads';
import { fetcherFactory } from '../cds/fhir-access';
import { cardIdKeyOf, loadConfig } from '../config';
import { CardIds } from '../cards/card-id';
import { today } from '../clock';
import { loadKnowledge } from '../knowledge';
import { createLogger } from '../logger';
import { answerRaw, type RawRequest } from './answer-raw';

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel).child({ thread: 'answer' });
const knowledge = loadKnowledge(config.hooksDir, config.valueSetDir);
const deps = {
  knowledge,
  settings: config.clinical,
  clock: today,
  // The request thread made the development key file (if any) before starting this thread.
  cardIds: new CardIds(cardIdKeyOf(config)),
  fetcherFor: fetcherFactory({ settings: config.fetch, logger, allowlist: config.fhirServerAllowlist, requireHttps: config.production }),
};
const bounds = { maxDepth: config.maxJsonDepth, maxPrefetchResources: config.maxPrefetchResources };

const port = parentPort;
if (!port) throw new Error('answer-worker runs as a worker thread');
port.on('message', (message: { id: number; request: RawRequest }) => {
  void answerRaw(message.request, deps, bounds).then((answer) => port.postMessage({ id: message.id, answer }));
});
port.postMessage({ ready: true });
