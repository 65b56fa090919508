/**
 * Configuration: read from the environment once, validated with zod; a bad
 * value stops start-up with a message naming the variable.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { loadTrustedIssuers, type TrustedIssuer } from './auth/issuers';
import { normalisePublicUrl } from './auth/verifier';
import { DEFAULT_CLINICAL_SETTINGS, type ClinicalSettings } from './clinical/settings';
import { zodIssues } from './protocol/zod-issues';
import { developmentCardIdKey, parseCardIdKey } from './cards/card-id';
import { isPostgresUrl } from './feedback/store';

/** The project root (the folder with package.json), from src/ or dist/src/. */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'hooks'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

const int = (def: number) => z.coerce.number().int().positive().default(def);
const num = (def: number) => z.coerce.number().positive().default(def);

/** Clinical thresholds: CDS_<SETTING_IN_SNAKE_CASE>, e.g. CDS_EARLY_MARROW_MONTHS=36. */
const CLINICAL_ENV: Record<keyof ClinicalSettings, string> = {
  earlyMarrowMonths: 'CDS_EARLY_MARROW_MONTHS',
  earlyExtramedullaryMonths: 'CDS_EARLY_EXTRAMEDULLARY_MONTHS',
  bfmVeryEarlyMonths: 'CDS_BFM_VERY_EARLY_MONTHS',
  marrowBlastRelapsePercent: 'CDS_MARROW_BLAST_RELAPSE_PERCENT',
  mrdNegativePercent: 'CDS_MRD_NEGATIVE_PERCENT',
  persistentMrdPercent: 'CDS_PERSISTENT_MRD_PERCENT',
  cogMrdPercent: 'CDS_COG_MRD_PERCENT',
  hsctLateMrdPercent: 'CDS_HSCT_LATE_MRD_PERCENT',
  antigenPositivePercent: 'CDS_ANTIGEN_POSITIVE_PERCENT',
  distinctRelapseDays: 'CDS_DISTINCT_RELAPSE_DAYS',
  relapseWindowDays: 'CDS_RELAPSE_WINDOW_DAYS',
  diagnosisGraceMonths: 'CDS_DIAGNOSIS_GRACE_MONTHS',
  refractoryAfterDays: 'CDS_REFRACTORY_AFTER_DAYS',
  endOfReinductionDays: 'CDS_END_OF_REINDUCTION_DAYS',
  mrdAtRelapseDays: 'CDS_MRD_AT_RELAPSE_DAYS',
  reinductionGapDays: 'CDS_REINDUCTION_GAP_DAYS',
  currentTherapyDays: 'CDS_CURRENT_THERAPY_DAYS',
  adultAge: 'CDS_ADULT_AGE',
  olderAdultAge: 'CDS_OLDER_ADULT_AGE',
  inotuzumabMinAgeYears: 'CDS_INOTUZUMAB_MIN_AGE_YEARS',
  blinatumomabMinAgeMonths: 'CDS_BLINATUMOMAB_MIN_AGE_MONTHS',
  tisagenlecleucelMaxAge: 'CDS_TISAGENLECLEUCEL_MAX_AGE',
  adultCarTMinAge: 'CDS_ADULT_CAR_T_MIN_AGE',
  obecabtageneEuMinAge: 'CDS_OBECABTAGENE_EU_MIN_AGE',
};

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CDS_HOOKS_DIR: z.string().optional(),
  CDS_VALUESET_DIR: z.string().min(1).optional(),
  CDS_BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/i)
    .default('5mb'),
  CDS_REQUEST_TIMEOUT_MS: int(10_000),
  CDS_FETCH_TIMEOUT_MS: int(2_000),
  CDS_FETCH_DEADLINE_MS: int(4_000),
  CDS_FETCH_MAX_PAGES: int(20),
  CDS_FHIR_SERVER_ALLOWLIST: z.string().optional(),
  CDS_CORS_ORIGINS: z.string().default('*'),
  CDS_MAX_JSON_DEPTH: int(64),
  CDS_MAX_PREFETCH_RESOURCES: int(20_000),
  CDS_SHUTDOWN_GRACE_MS: int(10_000),
  CDS_AUTH: z.enum(['off', 'required']).optional(),
  CDS_ALLOW_INSECURE: z.enum(['true', 'false']).optional(),
  CDS_TRUSTED_ISSUERS_FILE: z.string().min(1).optional(),
  CDS_PUBLIC_URL: z.string().optional(),
  CDS_JWT_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(60),
  CDS_FEEDBACK_DB: z.string().min(1).optional(),
  /** Answer worker threads; default: one per core beside the request thread (cores - 1, at least 1). 0 = answer in the request thread. */
  CDS_WORKERS: z.coerce.number().int().min(0).max(64).optional(),
  CDS_CARD_ID_KEY: z.string().optional(),
  /** GET /metrics (Prometheus text): on by default; off = 404. */
  CDS_METRICS: z.enum(['on', 'off']).default('on'),
});

export interface Config {
  port: number;
  host: string;
  production: boolean;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  hooksDir: string;
  valueSetDir?: string;
  bodyLimit: string;
  requestTimeoutMs: number;
  fetch: { timeoutMs: number; deadlineMs: number; maxPages: number };
  /** FHIR servers the service may call when the caller's issuer names none (default: loopback only). */
  fhirServerAllowlist: string[];
  corsOrigins: string[];
  maxJsonDepth: number;
  maxPrefetchResources: number;
  shutdownGraceMs: number;
  /** Trust: `off` (development) or `required` (JWT from a trusted issuer on every CDS call). */
  auth: { mode: 'off' } | { mode: 'required'; issuers: TrustedIssuer[]; publicUrl: string[]; skewSeconds: number };
  /** Warnings to print at start-up (e.g. authentication off). */
  warnings: string[];
  /** Where feedback and issuance counts are kept: a SQLite file path, or a postgres:// URL (replicas share it). */
  feedbackDb: string;
  /** The card id key (CDS_CARD_ID_KEY; required in production), or the development key file made on first start. */
  cardIdKey: { key: Buffer } | { file: string };
  /** Answer worker threads (0: invocations are answered in the request thread). */
  workers: number;
  /** Serve GET /metrics. */
  metrics: boolean;
  clinical: ClinicalSettings;
}

export class ConfigError extends Error {}

export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (VAR= in a .env file or compose) means "not set".
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${zodIssues(parsed.error)}`);
  }
  const e = parsed.data;
  const clinical = { ...DEFAULT_CLINICAL_SETTINGS };
  for (const [key, name] of Object.entries(CLINICAL_ENV) as [keyof ClinicalSettings, string][]) {
    if (env[name] === undefined) continue;
    const v = num(DEFAULT_CLINICAL_SETTINGS[key]).safeParse(env[name]);
    if (!v.success) throw new ConfigError(`invalid configuration: ${name} must be a positive number`);
    clinical[key] = v.data;
  }
  const root = projectRoot();
  const production = e.NODE_ENV === 'production';
  const warnings: string[] = [];
  const mode = e.CDS_AUTH ?? (production ? 'required' : 'off');
  let auth: Config['auth'] = { mode: 'off' };
  if (mode === 'off') {
    if (production && e.CDS_ALLOW_INSECURE !== 'true') {
      throw new ConfigError('invalid configuration: CDS_AUTH=off is refused in production (NODE_ENV=production) unless CDS_ALLOW_INSECURE=true');
    }
    warnings.push('CDS_AUTH=off: every caller is accepted without a JWT; for local development and testing only');
  } else {
    if (!e.CDS_TRUSTED_ISSUERS_FILE) throw new ConfigError('invalid configuration: CDS_AUTH=required needs CDS_TRUSTED_ISSUERS_FILE (no trusted issuer)');
    if (!e.CDS_PUBLIC_URL)
      throw new ConfigError("invalid configuration: CDS_AUTH=required needs CDS_PUBLIC_URL (the service's public base URL, for the JWT aud)");
    let publicUrl: string[];
    let issuers: TrustedIssuer[];
    try {
      // A comma-separated list when clients reach the service under several names.
      publicUrl = e.CDS_PUBLIC_URL.split(',')
        .map((u) => u.trim())
        .filter(Boolean)
        .map(normalisePublicUrl);
    } catch (err) {
      throw new ConfigError(`invalid configuration: CDS_PUBLIC_URL: ${(err as Error).message}`);
    }
    try {
      issuers = loadTrustedIssuers(resolve(e.CDS_TRUSTED_ISSUERS_FILE));
    } catch (err) {
      throw new ConfigError(`invalid configuration: CDS_TRUSTED_ISSUERS_FILE: ${(err as Error).message}`);
    }
    auth = { mode: 'required', issuers, publicUrl, skewSeconds: e.CDS_JWT_SKEW_SECONDS };
  }
  let cardIdKey: Config['cardIdKey'] = { file: join(root, 'data', 'card-id.key') };
  if (e.CDS_CARD_ID_KEY !== undefined) {
    try {
      cardIdKey = { key: parseCardIdKey(e.CDS_CARD_ID_KEY) };
    } catch (err) {
      throw new ConfigError(`invalid configuration: ${(err as Error).message}`);
    }
  } else if (production) {
    throw new ConfigError(
      'invalid configuration: CDS_CARD_ID_KEY is required in production (the secret card ids are derived from: 64 hex digits, e.g. openssl rand -hex 32; the same on every replica)',
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    production,
    auth,
    warnings,
    feedbackDb: cardStoreLocation(e),
    cardIdKey,
    workers: e.CDS_WORKERS ?? Math.max(1, availableParallelism() - 1),
    metrics: e.CDS_METRICS === 'on',
    logLevel: e.LOG_LEVEL,
    hooksDir: hooksDirOf(e),
    valueSetDir: e.CDS_VALUESET_DIR ? resolve(e.CDS_VALUESET_DIR) : undefined,
    bodyLimit: e.CDS_BODY_LIMIT,
    requestTimeoutMs: e.CDS_REQUEST_TIMEOUT_MS,
    fetch: { timeoutMs: e.CDS_FETCH_TIMEOUT_MS, deadlineMs: e.CDS_FETCH_DEADLINE_MS, maxPages: e.CDS_FETCH_MAX_PAGES },
    fhirServerAllowlist: list(e.CDS_FHIR_SERVER_ALLOWLIST),
    corsOrigins: list(e.CDS_CORS_ORIGINS),
    maxJsonDepth: e.CDS_MAX_JSON_DEPTH,
    maxPrefetchResources: e.CDS_MAX_PREFETCH_RESOURCES,
    shutdownGraceMs: e.CDS_SHUTDOWN_GRACE_MS,
    clinical,
  };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** The card id key: configured, or the development key file (made on first start). */
export function cardIdKeyOf(config: Pick<Config, 'cardIdKey'>): Buffer {
  return 'key' in config.cardIdKey ? config.cardIdKey.key : developmentCardIdKey(config.cardIdKey.file);
}

/**
 * Where the card store is (CDS_FEEDBACK_DB): a postgres:// URL as given, or a
 * SQLite path (default data/feedback.sqlite). Read alone by the report, which
 * needs none of the service's other settings.
 */
export function cardStoreLocation(env: { CDS_FEEDBACK_DB?: string } = process.env): string {
  const location = env.CDS_FEEDBACK_DB || join(projectRoot(), 'data', 'feedback.sqlite');
  return isPostgresUrl(location) ? location : resolve(location);
}

/** The knowledge folder (CDS_HOOKS_DIR, default hooks/). */
export function hooksDirOf(env: { CDS_HOOKS_DIR?: string } = process.env): string {
  return resolve(env.CDS_HOOKS_DIR || join(projectRoot(), 'hooks'));
}
