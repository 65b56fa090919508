/**
 * The store migrations: SQL files in migrations/<store>/, named
 * `NNN_what.sql`, applied in order of NNN. Kept in the repository (and the
 * image) beside hooks/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../config';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(store: 'sqlite' | 'postgres', dir = join(projectRoot(), 'migrations', store)): Migration[] {
  return readdirSync(dir)
    .map((file) => /^(\d+)_([\w-]+)\.sql$/.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[2], sql: readFileSync(join(dir, m[0]), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}
