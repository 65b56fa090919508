/**
 * Jest global setup: the end-to-end tests run the compiled service
 * (`dist/`, exactly what `npm start` and the Docker image run) and the
 * compiled dev tools (`dist-dev/`: the local FHIR server, fixtures:load), so
 * build both before any test runs, from a bare clone too.
 *
 * - Skipped when the run selects no end-to-end test (`npm run test:unit`).
 * - Skipped when the sources are unchanged since the last build here (a hash
 *   of the inputs, kept in node_modules/.cache, not in dist/).
 * - Each build starts from an empty output folder, so nothing stale is run.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..');
const STAMPS = join(ROOT, 'node_modules', '.cache', 'relapsed-all-cds', 'build-stamps.json');

interface Build {
  name: string;
  tsconfig: string;
  outDir: string;
  /** A file the build must produce (checked, so a deleted output is rebuilt). */
  entry: string;
  inputs: string[];
}

const COMMON = ['package-lock.json', 'tsconfig.json'];
const BUILDS: Build[] = [
  { name: 'service', tsconfig: 'tsconfig.build.json', outDir: 'dist', entry: 'dist/src/index.js', inputs: [...COMMON, 'tsconfig.build.json', 'src'] },
  { name: 'dev tools', tsconfig: 'dev/tsconfig.json', outDir: 'dist-dev', entry: 'dist-dev/dev/fhir-server/main.js', inputs: [...COMMON, 'src', 'dev'] },
];

function files(path: string): string[] {
  const abs = join(ROOT, path);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [path];
  return readdirSync(abs)
    .sort()
    .flatMap((f) => files(join(path, f)));
}

function inputHash(build: Build): string {
  const hash = createHash('sha256');
  for (const file of build.inputs.flatMap(files)) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(ROOT, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function readStamps(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(STAMPS, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Whether the run includes an end-to-end test file (jest 29 `testPathPattern`, jest 30 `testPathPatterns`). */
function selectsE2e(globalConfig: Record<string, unknown>, projectConfig: Record<string, unknown>): boolean {
  const dir = join(ROOT, 'test', 'e2e');
  const e2eFiles = readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
  const ignore = ((projectConfig.testPathIgnorePatterns as string[] | undefined) ?? []).map((p) => new RegExp(p.replace('<rootDir>', ROOT)));
  const patterns30 = (globalConfig.testPathPatterns as { patterns?: string[] } | undefined)?.patterns;
  const patterns = patterns30 ?? (globalConfig.testPathPattern ? [globalConfig.testPathPattern as string] : []);
  const selected = patterns.map((p) => new RegExp(p, 'i'));
  return e2eFiles.some((f) => !ignore.some((re) => re.test(f)) && (selected.length === 0 || selected.some((re) => re.test(f))));
}

/** Builds; resolves with tsc's type errors when it emitted anyway (exit 2), throws when it did not. */
async function runBuild(build: Build): Promise<string | undefined> {
  rmSync(join(ROOT, build.outDir), { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  let typeErrors: string | undefined;
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', build.tsconfig], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { code?: number; stdout?: string; stderr?: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
    // Exit 2: type errors, JavaScript emitted. Like ts-jest here (isolatedModules), the tests still
    // run; type errors are the type check's to report (npm run typecheck, CI).
    if (e.code !== 2) throw new Error(`jest global setup: building the ${build.name} (tsc -p ${build.tsconfig}) failed:\n${output}`);
    typeErrors = output;
  }
  if (!existsSync(join(ROOT, build.entry))) throw new Error(`jest global setup: tsc -p ${build.tsconfig} did not produce ${build.entry}`);
  return typeErrors;
}

export default async function globalSetup(globalConfig: Record<string, unknown>, projectConfig: Record<string, unknown>): Promise<void> {
  if (!selectsE2e(globalConfig, projectConfig)) return;
  const stamps = readStamps();
  const stale = BUILDS.map((b) => ({ build: b, hash: inputHash(b) })).filter(
    ({ build, hash }) => stamps[build.name] !== hash || !existsSync(join(ROOT, build.entry)),
  );
  if (stale.length === 0) return;
  const t0 = Date.now();
  // Forget the old stamps first: a build that fails half-way must not look up to date next time.
  for (const { build } of stale) delete stamps[build.name];
  mkdirSync(dirname(STAMPS), { recursive: true });
  writeFileSync(STAMPS, JSON.stringify(stamps));
  const typeErrors = await Promise.all(stale.map(({ build }) => runBuild(build)));
  stale.forEach(({ build, hash }, i) => {
    if (typeErrors[i] === undefined) stamps[build.name] = hash;
    else process.stderr.write(`\njest global setup: the ${build.name} has type errors (built anyway; rebuilt next run):\n${typeErrors[i]}`);
  });
  writeFileSync(STAMPS, JSON.stringify(stamps, null, 2));
  process.stderr.write(
    `\njest global setup: built ${stale.map(({ build }) => `${build.name} (${relative(ROOT, join(ROOT, build.outDir))}/)`).join(' and ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
}
