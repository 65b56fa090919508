/**
 * Card and suggestion ids (issue #11). A card keeps its id across chart
 * openings (the same patient, card code and relapse date give the same id),
 * so feedback can be joined to it; but the id is a keyed hash (HMAC-SHA-256
 * under the deployment's secret CDS_CARD_ID_KEY), so an id in the feedback
 * store cannot be traced back to a patient by trying candidate patient ids.
 * Formatted as an RFC 9562 version-8 (custom) UUID.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Fewer bytes than this is refused (HMAC-SHA-256: a 256-bit key). */
export const CARD_ID_KEY_MIN_BYTES = 32;

export class CardIds {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length < CARD_ID_KEY_MIN_BYTES) throw new RangeError(`the card id key must hold at least ${CARD_ID_KEY_MIN_BYTES} bytes`);
    this.key = Buffer.from(key);
  }

  /** The id of the thing `name` describes (a string naming the patient, the card code, the relapse date...). */
  id(name: string): string {
    const h = createHmac('sha256', this.key).update(name, 'utf8').digest();
    h[6] = (h[6] & 0x0f) | 0x80; // version 8
    h[8] = (h[8] & 0x3f) | 0x80; // variant 10
    const x = h.subarray(0, 16).toString('hex');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
  }
}

/**
 * The key as configured: 64 or more hex digits, or base64 of 32 or more
 * bytes. Throws with a message that never repeats the value.
 */
export function parseCardIdKey(text: string): Buffer {
  const value = text.trim();
  const key = /^[0-9a-fA-F]+$/.test(value) && value.length % 2 === 0 ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length < CARD_ID_KEY_MIN_BYTES)
    throw new RangeError(`CDS_CARD_ID_KEY must be at least ${CARD_ID_KEY_MIN_BYTES} bytes: 64 hex digits or base64 (e.g. openssl rand -hex 32)`);
  return key;
}

/**
 * The development key: read from `file`, or made (32 random bytes, hex, mode
 * 0600) on first start. Several processes starting together agree on one
 * key: the key is written to a file of this process's own, then linked into
 * place (which fails if another process linked first), so nobody ever reads
 * a half-written key, and whoever loses the race reads the winner's.
 */
export function developmentCardIdKey(file: string): Buffer {
  try {
    return parseCardIdKey(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: ${(err as Error).message}`);
  }
  mkdirSync(dirname(file), { recursive: true });
  const own = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(own, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(own, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(own);
  }
  return parseCardIdKey(readFileSync(file, 'utf8'));
}
