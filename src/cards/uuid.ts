import { createHash } from 'node:crypto';

/** This service's namespace for name-based (v5) UUIDs. */
const NAMESPACE = 'c6d3b1f0-8a41-5d2e-9b7c-3f5e0a9d2c11';

/**
 * RFC 4122 version-5 UUID: the same name always gives the same UUID, so a
 * card keeps its uuid across chart openings and feedback can be joined to it.
 */
export function uuidV5(name: string, namespace: string = NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
