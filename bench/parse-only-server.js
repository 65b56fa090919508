/**
 * The benchmark's floor: an express app that parses the same JSON body (same
 * parser, same limit) and answers {"cards":[]}. What any JSON CDS service
 * pays before it does anything. Run by bench/run.ts as a child process.
 */
'use strict';
const express = require('express');

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.use(express.json({ limit: process.env.CDS_BODY_LIMIT || '20mb', type: ['application/json', 'application/*+json'], strict: true }));
app.get('/health/live', (_req, res) => res.json({ status: 'live' }));
app.post('/cds-services/:id', (_req, res) => res.json({ cards: [] }));
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
