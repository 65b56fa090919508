/**
 * The Kubernetes manifests in deploy/kubernetes (issue #11): every document
 * parses (the same under YAML 1.1, which Kubernetes uses, and 1.2), passes the
 * Kubernetes API schema offline (kubernetes-models, run in a child Node
 * process: the package is ESM only, jest here is CommonJS), and fits the
 * service it deploys: the probes are routes the app serves, every variable
 * set is one src/config.ts reads, every Secret / ConfigMap key referenced
 * exists, selectors match the pods, the shutdown fits in the grace period,
 * the Secret holds placeholders only, and the configuration the pod would get
 * (ConfigMap + env + Secret, files as mounted) passes loadConfig and the
 * value-set loader.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IConfigMap, IContainer, IPodSpec, IProbe, ISecret, IService } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { parseCardIdKey } from '../../../src/cards/card-id';
import { ConfigError, loadConfig, projectRoot } from '../../../src/config';
import { loadTerminology } from '../../../src/terminology/valuesets';

const ROOT = projectRoot();
const DIR = join(ROOT, 'deploy', 'kubernetes');
const SECRET_TEMPLATE = 'secret.template.yaml';

/** Peak resident memory measured under load with the request thread and one answer thread (README, Benchmark). */
const MEASURED_PEAK_RSS_MIB = 125;

interface Manifest {
  file: string;
  doc: { apiVersion: string; kind: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } } & Record<string, unknown>;
}

function parseFile(file: string, version: '1.1' | '1.2'): unknown[] {
  const out: unknown[] = [];
  for (const document of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'), { version })) {
    const problems = [...document.errors, ...document.warnings].map((e) => e.message);
    if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
    const value: unknown = document.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

const FILES = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
/** Every document, as Kubernetes reads it (YAML 1.1: `on` and `yes` are booleans, `0440` is octal). */
const ALL: Manifest[] = FILES.flatMap((file) => parseFile(file, '1.1').map((doc) => ({ file, doc: doc as Manifest['doc'] })));
const KUSTOMIZATIONS = ALL.filter((m) => m.doc.apiVersion.startsWith('kustomize.config.k8s.io/'));
const OBJECTS = ALL.filter((m) => !KUSTOMIZATIONS.includes(m));

function all<T>(kind: string): T[] {
  return OBJECTS.filter((m) => m.doc.kind === kind).map((m) => m.doc as T);
}
function one<T>(kind: string): T {
  const found = all<T>(kind);
  if (found.length !== 1) throw new Error(`expected one ${kind} under deploy/kubernetes, found ${found.length}`);
  return found[0];
}

const deployment = one<IDeployment>('Deployment');
const service = one<IService>('Service');
const pdb = one<IPodDisruptionBudget>('PodDisruptionBudget');
const secret = one<ISecret>('Secret');
const configMaps = all<IConfigMap>('ConfigMap');
const networkPolicies = all<INetworkPolicy>('NetworkPolicy');
const podSpec = deployment.spec?.template.spec as IPodSpec;
const container = podSpec.containers[0];
const podLabels = deployment.spec?.template.metadata?.labels ?? {};

function configMap(name: string | undefined): IConfigMap {
  const found = configMaps.find((c) => c.metadata?.name === name);
  if (!found) throw new Error(`no ConfigMap named ${String(name)} under deploy/kubernetes`);
  return found;
}
/** The Secret's keys and values (stringData and data, as the API server merges them). */
function secretData(): Record<string, string> {
  const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  return { ...decoded, ...(secret.stringData ?? {}) };
}

/** The container's environment as the pod gets it: envFrom ConfigMaps / Secrets first, then env (which wins). */
function containerEnv(c: IContainer): Map<string, { value?: string; secretKey?: string; configMapKey?: [string, string] }> {
  const env = new Map<string, { value?: string; secretKey?: string; configMapKey?: [string, string] }>();
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) for (const [k, v] of Object.entries(configMap(from.configMapRef.name).data ?? {})) env.set(k, { value: v });
    if (from.secretRef) for (const k of Object.keys(secretData())) env.set(k, { secretKey: k });
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.secretKeyRef) env.set(e.name, { secretKey: e.valueFrom.secretKeyRef.key });
    else if (e.valueFrom?.configMapKeyRef) env.set(e.name, { configMapKey: [String(e.valueFrom.configMapKeyRef.name), e.valueFrom.configMapKeyRef.key] });
    else env.set(e.name, { value: e.value });
  }
  return env;
}
const ENV = containerEnv(container);

/** A setting's value as the pod gets it (Secret values resolved). */
function envValue(name: string): string | undefined {
  const e = ENV.get(name);
  if (!e) return undefined;
  if (e.secretKey !== undefined) return secretData()[e.secretKey];
  if (e.configMapKey) return configMap(e.configMapKey[0]).data?.[e.configMapKey[1]];
  return e.value;
}

function selectorMatchesPods(matchLabels: Record<string, string> | undefined): boolean {
  const labels = Object.entries(matchLabels ?? {});
  return labels.length > 0 && labels.every(([k, v]) => podLabels[k] === v);
}

/** A memory quantity in MiB. */
function mebibytes(q: string | number | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (!m) throw new Error(`not a memory quantity: ${String(q)}`);
  const factor: Record<string, number> = {
    '': 1 / 2 ** 20,
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    Ti: 2 ** 20,
    k: 1e3 / 2 ** 20,
    M: 1e6 / 2 ** 20,
    G: 1e9 / 2 ** 20,
    T: 1e12 / 2 ** 20,
  };
  return Number(m[1]) * factor[m[2] ?? ''];
}
/** A CPU quantity in cores. */
function cores(q: string | number | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(String(q));
  if (!m) throw new Error(`not a CPU quantity: ${String(q)}`);
  return Number(m[1]) / (m[2] ? 1000 : 1);
}

/** The GET routes src/app.ts declares with a literal path. */
function appRoutes(): string[] {
  const source = readFileSync(join(ROOT, 'src', 'app.ts'), 'utf8');
  return [...source.matchAll(/\bapp\.get\(\s*'([^']+)'/g)].map((m) => m[1]);
}

/** A probe's port, resolved to the container port number. */
function probePort(probe: IProbe | undefined): number | undefined {
  const port = probe?.httpGet?.port;
  return typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;
}

/** The preStop sleep, in seconds (exec `sleep N` or the `sleep` action). */
function preStopSeconds(): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  const n = command.length === 2 && /(^|\/)sleep$/.test(command[0]) ? Number(command[1]) : NaN;
  if (!Number.isFinite(n)) throw new Error(`preStop is not a sleep: ${JSON.stringify(preStop)}`);
  return n;
}

/**
 * Validate documents with kubernetes-models in a child Node process (the
 * package is ESM only); one result per document: null when valid, else the
 * schema's message.
 */
function validateWithKubernetesModels(docs: unknown[]): (string | null)[] {
  const script = `
    import { readFileSync } from 'node:fs';
    const docs = JSON.parse(readFileSync(0, 'utf8'));
    const results = [];
    for (const doc of docs) {
      try {
        const models = await import(doc.apiVersion === 'v1' ? 'kubernetes-models/v1' : 'kubernetes-models/' + doc.apiVersion);
        const Model = models[doc.kind];
        if (typeof Model !== 'function') throw new Error('kubernetes-models has no ' + doc.apiVersion + ' ' + doc.kind);
        new Model(doc).validate();
        results.push(null);
      } catch (err) {
        results.push(String(err?.message ?? err));
      }
    }
    process.stdout.write(JSON.stringify(results));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    input: JSON.stringify(docs),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out) as (string | null)[];
}

describe('deploy/kubernetes: documents', () => {
  it('holds the expected objects', () => {
    expect(FILES.length).toBeGreaterThan(0);
    expect(configMaps.map((c) => c.metadata?.name).sort()).toEqual(['relapsed-all-cds-config', 'relapsed-all-cds-valuesets']);
    expect(podSpec.containers).toHaveLength(1);
  });

  it('reads the same under YAML 1.1 (Kubernetes) and YAML 1.2 (no on / yes / 0440 ambiguity)', () => {
    for (const file of FILES) expect({ file, docs: parseFile(file, '1.2') }).toEqual({ file, docs: parseFile(file, '1.1') });
  });

  /** The manifests, then two documents that must be refused (so the check cannot pass vacuously), validated in one child process. */
  const schema = (() => {
    let results: (string | null)[] | undefined;
    return () => {
      const broken = structuredClone(deployment) as unknown as { spec: { replicas: unknown } };
      broken.spec.replicas = 'three';
      const unknownKind = { apiVersion: 'v1', kind: 'NoSuchKind', metadata: { name: 'x' } };
      results ??= validateWithKubernetesModels([...OBJECTS.map((m) => m.doc), broken, unknownKind]);
      return { manifests: results.slice(0, OBJECTS.length), broken: results[OBJECTS.length], unknownKind: results[OBJECTS.length + 1] };
    };
  })();

  it('every object passes the Kubernetes API schema (kubernetes-models, offline)', () => {
    const results = schema().manifests;
    const failures = OBJECTS.map((m, i) => ({ file: m.file, kind: m.doc.kind, error: results[i] })).filter((r) => r.error !== null);
    expect(failures).toEqual([]);
  });

  it('the schema check is live: a broken Deployment and an unknown kind are refused', () => {
    expect(schema().broken).toMatch(/replicas/);
    expect(schema().unknownKind).toMatch(/NoSuchKind/);
  });

  it('sets no namespace (chosen with kubectl -n) and names and labels every object', () => {
    for (const { file, doc } of OBJECTS) {
      expect({ file, namespace: doc.metadata?.namespace }).toEqual({ file, namespace: undefined });
      expect(doc.metadata?.name).toMatch(/^relapsed-all-cds/);
      expect(doc.metadata?.labels?.['app.kubernetes.io/name']).toBe('relapsed-all-cds');
    }
  });

  it('kustomization.yaml lists every manifest but the Secret template, and only files that exist', () => {
    expect(KUSTOMIZATIONS).toHaveLength(1);
    const { file, doc } = KUSTOMIZATIONS[0];
    const resources = (doc as { resources?: string[] }).resources ?? [];
    const manifests = [...new Set(OBJECTS.map((m) => m.file))].filter((f) => f !== SECRET_TEMPLATE).sort();
    expect([...resources].sort()).toEqual(manifests);
    expect(resources).not.toContain(SECRET_TEMPLATE);
    expect((doc as { namespace?: string }).namespace).toBeUndefined();
    expect(file).toBe('kustomization.yaml');
  });
});

describe('deploy/kubernetes: the Deployment fits the service', () => {
  it('runs at least 2 replicas and never drops below them during a rollout', () => {
    expect(deployment.spec?.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
    expect(selectorMatchesPods(deployment.spec?.selector.matchLabels)).toBe(true);
  });

  it('probes paths the app serves, on the container port: readiness /health/ready, liveness /health/live, and a startup probe', () => {
    const routes = appRoutes();
    expect(routes).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    expect(container.readinessProbe?.httpGet?.path).toBe('/health/ready');
    expect(container.livenessProbe?.httpGet?.path).toBe('/health/live');
    expect(routes).toContain(container.startupProbe?.httpGet?.path);
    const port = container.ports?.[0].containerPort;
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) expect(probePort(probe)).toBe(port);
  });

  it('gives liveness room for a busy but healthy pod, and start-up room for a slow node', () => {
    const live = container.livenessProbe as IProbe;
    expect(live.timeoutSeconds ?? 1).toBeGreaterThanOrEqual(2);
    expect((live.periodSeconds ?? 10) * (live.failureThreshold ?? 3)).toBeGreaterThanOrEqual(20);
    const startup = container.startupProbe as IProbe;
    expect((startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3)).toBeGreaterThanOrEqual(30);
  });

  it('listens on the port its PORT says, which the Service, the NetworkPolicy and the scrape annotations use', () => {
    const [port] = container.ports ?? [];
    expect(Number(envValue('PORT'))).toBe(port.containerPort);
    expect(service.spec?.type ?? 'ClusterIP').toBe('ClusterIP');
    const [servicePort] = service.spec?.ports ?? [];
    expect(servicePort.port).toBe(80);
    expect([port.name, port.containerPort]).toContain(servicePort.targetPort);
    for (const policy of networkPolicies) {
      const ports = (policy.spec?.ingress ?? []).flatMap((rule) => rule.ports ?? []);
      expect(ports.length).toBeGreaterThan(0);
      for (const p of ports) expect([port.name, port.containerPort]).toContain(p.port);
    }
    const annotations = deployment.spec?.template.metadata?.annotations ?? {};
    if (annotations['prometheus.io/scrape'] === 'true') {
      expect(Number(annotations['prometheus.io/port'])).toBe(port.containerPort);
      expect(appRoutes()).toContain(annotations['prometheus.io/path'] ?? '/metrics');
      expect(envValue('CDS_METRICS') ?? 'on').toBe('on');
    }
  });

  it('sets only variables src/config.ts reads, each once', () => {
    const source = readFileSync(join(ROOT, 'src', 'config.ts'), 'utf8');
    // Read = a key of the environment schema (`NAME: z...`) or a quoted name (the clinical settings' table).
    const reads = (name: string): boolean => new RegExp(`^\\s*${name}\\s*:|['"\`]${name}['"\`]`, 'm').test(source);
    const unread = [...ENV.keys()].filter((name) => !reads(name));
    expect(unread).toEqual([]);
    const names = [
      ...(container.env ?? []).map((e) => e.name),
      ...(container.envFrom ?? []).flatMap((f) => Object.keys(f.configMapRef ? (configMap(f.configMapRef.name).data ?? {}) : secretData())),
    ];
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('references only Secret and ConfigMap keys that exist', () => {
    const secretKeys = Object.keys(secretData());
    for (const e of container.env ?? []) {
      const s = e.valueFrom?.secretKeyRef;
      if (s) {
        expect(s.name).toBe(secret.metadata?.name);
        expect(secretKeys).toContain(s.key);
      }
      const c = e.valueFrom?.configMapKeyRef;
      if (c) expect(Object.keys(configMap(c.name).data ?? {})).toContain(c.key);
    }
    for (const f of container.envFrom ?? []) {
      if (f.configMapRef) expect(configMap(f.configMapRef.name)).toBeDefined();
      if (f.secretRef) expect(f.secretRef.name).toBe(secret.metadata?.name);
    }
    for (const v of podSpec.volumes ?? []) {
      if (v.secret) {
        expect(v.secret.secretName).toBe(secret.metadata?.name);
        for (const item of v.secret.items ?? []) expect(secretKeys).toContain(item.key);
      }
      if (v.configMap) for (const item of v.configMap.items ?? []) expect(Object.keys(configMap(v.configMap.name).data ?? {})).toContain(item.key);
    }
    const volumeNames = (podSpec.volumes ?? []).map((v) => v.name);
    for (const m of container.volumeMounts ?? []) expect(volumeNames).toContain(m.name);
  });

  it('the Service, the PodDisruptionBudget, the NetworkPolicy and the spreading rules select the pods', () => {
    expect(selectorMatchesPods(service.spec?.selector)).toBe(true);
    expect(selectorMatchesPods(pdb.spec?.selector?.matchLabels)).toBe(true);
    for (const policy of networkPolicies) expect(selectorMatchesPods(policy.spec?.podSelector?.matchLabels)).toBe(true);
    for (const term of podSpec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      expect(selectorMatchesPods(term.podAffinityTerm.labelSelector?.matchLabels)).toBe(true);
    }
    expect(podSpec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length).toBeGreaterThan(0);
    for (const spread of podSpec.topologySpreadConstraints ?? []) expect(selectorMatchesPods(spread.labelSelector?.matchLabels)).toBe(true);
  });

  it('the PodDisruptionBudget lets a node drain (one pod at a time) without taking the service down', () => {
    const replicas = deployment.spec?.replicas ?? 1;
    const { maxUnavailable, minAvailable } = pdb.spec ?? {};
    if (maxUnavailable !== undefined) expect(maxUnavailable).toBe(1);
    else expect(Number(minAvailable)).toBeGreaterThanOrEqual(1);
    if (minAvailable !== undefined) expect(Number(minAvailable)).toBeLessThan(replicas);
    expect(maxUnavailable === undefined).not.toBe(minAvailable === undefined);
  });

  it('stops within the grace period: preStop sleep + CDS_SHUTDOWN_GRACE_MS < terminationGracePeriodSeconds', () => {
    const graceMs = Number(envValue('CDS_SHUTDOWN_GRACE_MS') ?? 10_000);
    const sleep = preStopSeconds();
    expect(sleep).toBeGreaterThanOrEqual(2);
    expect((podSpec.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(graceMs);
    expect((podSpec.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(sleep * 1000 + graceMs);
  });

  it('asks for resources matched to the service, with one answer thread per core beside the request thread', () => {
    const { requests = {}, limits = {} } = container.resources ?? {};
    expect(mebibytes(requests.memory)).toBeGreaterThan(MEASURED_PEAK_RSS_MIB);
    expect(mebibytes(limits.memory)).toBeGreaterThanOrEqual(mebibytes(requests.memory));
    expect(cores(limits.cpu)).toBeGreaterThanOrEqual(cores(requests.cpu));
    expect(Number(envValue('CDS_WORKERS'))).toBe(Math.max(1, Math.floor(cores(limits.cpu)) - 1));
  });

  it('runs as a non-root user on a read-only root filesystem, writing only to emptyDir volumes', () => {
    const pod = podSpec.securityContext ?? {};
    const own = container.securityContext ?? {};
    expect(own.runAsNonRoot ?? pod.runAsNonRoot).toBe(true);
    expect(own.runAsUser ?? pod.runAsUser).toBeGreaterThan(0);
    expect(own.readOnlyRootFilesystem).toBe(true);
    expect(own.allowPrivilegeEscalation).toBe(false);
    expect(own.capabilities?.drop).toContain('ALL');
    expect(podSpec.automountServiceAccountToken).toBe(false);
    const volumes = new Map((podSpec.volumes ?? []).map((v) => [v.name, v]));
    for (const m of container.volumeMounts ?? []) {
      const v = volumes.get(m.name);
      if (!v?.emptyDir) expect({ mount: m.mountPath, readOnly: m.readOnly }).toEqual({ mount: m.mountPath, readOnly: true });
    }
    // Feedback, issuance counts and the replay cache in PostgreSQL: no SQLite file to write on the read-only root.
    expect(envValue('CDS_FEEDBACK_DB')).toMatch(/^postgres(ql)?:\/\//);
    expect(envValue('NODE_ENV')).toBe('production');
  });
});

describe('deploy/kubernetes: the Secret is a template', () => {
  it('holds placeholders only (stringData, every value marked REPLACE_ME, nothing key-like)', () => {
    expect(secret.data).toBeUndefined();
    const values = Object.entries(secret.stringData ?? {});
    expect(values.map(([k]) => k).sort()).toEqual(['CDS_CARD_ID_KEY', 'CDS_FEEDBACK_DB', 'trusted-issuers.json']);
    for (const [key, value] of values) expect({ key, placeholder: value.includes('REPLACE_ME') }).toEqual({ key, placeholder: true });
    const key = secret.stringData?.CDS_CARD_ID_KEY ?? '';
    // A real key is at least 32 bytes (hex or base64): the placeholder is refused as one, so it cannot be used by mistake.
    expect(() => parseCardIdKey(key)).toThrow(/CDS_CARD_ID_KEY/);
    expect(key).not.toMatch(/^[0-9a-f]{64,}$/i);
    const url = new URL(secret.stringData?.CDS_FEEDBACK_DB ?? '');
    expect(url.password).toBe('REPLACE_ME');
    expect(url.hostname).toMatch(/\.invalid$/);
  });
});

describe('deploy/kubernetes: the configuration the pod gets starts the service', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'k8s-mounts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Write every Secret / ConfigMap volume as the kubelet mounts it, under `dir`; returns mount path -> local folder. */
  function materialiseMounts(): Map<string, string> {
    const mounts = new Map<string, string>();
    const volumes = new Map((podSpec.volumes ?? []).map((v) => [v.name, v]));
    for (const m of container.volumeMounts ?? []) {
      const v = volumes.get(m.name);
      let files: Record<string, string> | undefined;
      let items: { key: string; path: string }[] | undefined;
      if (v?.secret) [files, items] = [secretData(), v.secret.items];
      if (v?.configMap) [files, items] = [configMap(v.configMap.name).data ?? {}, v.configMap.items];
      if (!files) continue;
      const local = join(dir, m.name);
      mkdirSync(local, { recursive: true });
      for (const { key, path } of items ?? Object.keys(files).map((k) => ({ key: k, path: k }))) writeFileSync(join(local, path), files[key]);
      mounts.set(m.mountPath, local);
    }
    return mounts;
  }

  it('every file setting names a file or folder the pod mounts', () => {
    const mounts = materialiseMounts();
    const issuers = envValue('CDS_TRUSTED_ISSUERS_FILE') ?? '';
    expect([...mounts.keys()]).toContain(posix.dirname(issuers));
    expect(readdirSync(mounts.get(posix.dirname(issuers)) ?? '')).toContain(posix.basename(issuers));
    expect([...mounts.keys()]).toContain(envValue('CDS_VALUESET_DIR'));
  });

  /** The pod's environment as the service sees it, with the mounted files' paths pointing at their local copies. */
  function podEnv(): { env: NodeJS.ProcessEnv; local: (path: string) => string } {
    const mounts = materialiseMounts();
    const local = (path: string): string => {
      for (const [mountPath, folder] of mounts) if (path === mountPath || path.startsWith(`${mountPath}/`)) return folder + path.slice(mountPath.length);
      return path;
    };
    const env: NodeJS.ProcessEnv = {};
    for (const name of ENV.keys()) env[name] = local(envValue(name) ?? '');
    return { env, local };
  }

  it('with the Secret template unfilled, start-up is refused (the placeholder key)', () => {
    const { env } = podEnv();
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/CDS_CARD_ID_KEY/);
  });

  it('loadConfig accepts it (placeholders filled in as a platform team would), and the value sets load', () => {
    const { env, local } = podEnv();
    env.CDS_CARD_ID_KEY = randomBytes(32).toString('hex');
    const config = loadConfig(env);
    expect(config.feedbackDb).toBe(envValue('CDS_FEEDBACK_DB'));
    expect(config.cardIdKey).toEqual({ key: Buffer.from(env.CDS_CARD_ID_KEY, 'hex') });
    expect(config.production).toBe(true);
    expect(config.auth.mode).toBe('required');
    expect(config.port).toBe(container.ports?.[0].containerPort);
    expect(config.workers).toBe(Number(envValue('CDS_WORKERS')));
    expect(config.shutdownGraceMs).toBe(Number(envValue('CDS_SHUTDOWN_GRACE_MS')));
    expect(config.metrics).toBe(true);
    expect(config.valueSetDir).toBe(local(envValue('CDS_VALUESET_DIR') ?? ''));

    const valueSets = configMap(podSpec.volumes?.find((v) => v.configMap)?.configMap?.name).data ?? {};
    // The loader reads *.json only: any other key would be silently ignored.
    expect(Object.keys(valueSets).filter((k) => !k.endsWith('.json'))).toEqual([]);
    const terminology = loadTerminology(join(ROOT, 'hooks', 'valuesets'), config.valueSetDir);
    expect(terminology.has('mrd', { system: 'http://hospital.example.org/lab', code: 'MRDFLOW' })).toBe(true);
  });
});
