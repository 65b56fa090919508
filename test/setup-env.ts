/**
 * Every test process (and the services the end-to-end tests start, which
 * inherit this environment) derives card ids under one throw-away key, so no
 * test writes a development key file into the checkout. The key-file path is
 * tested on its own (test/unit/cards/card-id.test.ts).
 */
process.env.CDS_CARD_ID_KEY ??= '7e57'.repeat(16);
