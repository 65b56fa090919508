/**
 * A stand-in answer thread for the pool's failure test: it speaks the pool's
 * messages, answers 200 with the thread's id, and exits (as a thread that
 * runs out of memory would) when the body is "die".
 */
'use strict';
const { parentPort, threadId } = require('node:worker_threads');

parentPort.on('message', ({ id, request }) => {
  if (request.body === 'die') process.exit(1);
  parentPort.postMessage({ id, answer: { status: 200, body: JSON.stringify({ cards: [], thread: threadId }), contentType: 'application/json', log: {} } });
});
parentPort.postMessage({ ready: true });
