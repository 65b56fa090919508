/**
 * Open the card store a location names: a `postgres://` or `postgresql://`
 * URL is the shared PostgreSQL store (pg is loaded only then, so a SQLite-only
 * deployment never loads it); anything else is the path of a SQLite file.
 */
import type { Logger } from 'pino';
import { SqliteCardStore } from './sqlite-store';
import { isPostgresUrl, type CardStore } from './store';

export async function openCardStore(location: string, options: { logger?: Logger } = {}): Promise<CardStore> {
  if (isPostgresUrl(location)) {
    const { openPostgresStore } = await import('./postgres-store');
    return openPostgresStore(location, { logger: options.logger });
  }
  return new SqliteCardStore(location);
}
