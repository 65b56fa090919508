/**
 * Command-line evaluator: print the stratification and the cards for a FHIR
 * Bundle (or a complete CDS Hooks request) as a clinician would read them.
 * It answers through the same use case as the HTTP service (same 412 rule,
 * same wording); a Bundle is first turned into the request an EHR that
 * prefetches everything would send.
 *
 *   npm run evaluate -- <bundle.json | cds-request.json> [--now YYYY-MM-DD] [--json]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { requestFromBundle } from './cds/bundle-request';
import { describeStratification } from './clinical/headline';
import { loadConfig } from './config';
import { today } from './engine';
import { loadKnowledge } from './knowledge';
import { CdsError } from './protocol/operation-outcome';
import { answerHookRequest } from './use-case/answer-hook-request';

const USAGE = 'usage: npm run evaluate -- <bundle.json | cds-request.json> [--now YYYY-MM-DD] [--json]';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Run the evaluator; returns the exit code (0 done, 2 usage or unreadable input, 3 data unobtainable / invalid request). */
export async function runEvaluate(argv: string[], io: CliIo): Promise<number> {
  let args: { file: string; now: string; json: boolean };
  try {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { now: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (parsed.values.help) return usage(io);
    const now = parsed.values.now ?? today();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(now)) return usage(io, '--now takes a date YYYY-MM-DD');
    if (parsed.positionals.length !== 1) return usage(io, 'one bundle or request file is required');
    args = { file: parsed.positionals[0], now, json: parsed.values.json === true };
  } catch (err) {
    return usage(io, (err as Error).message);
  }

  const config = loadConfig(io.env ?? process.env);
  const knowledge = loadKnowledge(config.hooksDir, config.valueSetDir);
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(readFileSync(args.file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    io.err(`evaluate: cannot read ${args.file}: ${(err as Error).message}\n`);
    return 2;
  }
  let request: unknown;
  if (typeof input.hook === 'string') request = input;
  else if (input.resourceType === 'Bundle') request = requestFromBundle(input, knowledge.service.prefetch);
  else {
    io.err('evaluate: the file is neither a FHIR Bundle nor a CDS Hooks request\n');
    return 2;
  }

  let answer: Awaited<ReturnType<typeof answerHookRequest>>;
  try {
    answer = await answerHookRequest(request, { knowledge, settings: config.clinical, clock: () => args.now });
  } catch (err) {
    if (err instanceof CdsError) {
      io.err(`evaluate: ${err.status} ${err.message}\n`);
      return 3;
    }
    throw err;
  }

  if (args.json) {
    io.out(`${JSON.stringify(answer.response, null, 2)}\n`);
    return 0;
  }
  const { stratification } = answer.evaluation;
  const out: string[] = [`Evaluated ${args.file} as of ${args.now}`];
  if (!stratification) {
    out.push('No relapsed ALL found: no cards.');
  } else {
    const s = stratification.reported;
    out.push('', describeStratification(s), '');
    for (const [k, v] of Object.entries(s)) out.push(`  ${k.padEnd(22)} ${Array.isArray(v) ? v.join(', ') : String(v)}`);
    out.push('', `${answer.response.cards.length} card(s):`);
    for (const card of answer.response.cards) {
      out.push('', `[${card.indicator.toUpperCase()}] ${card.summary}   (${card.source.topic?.code})`);
      out.push(...(card.detail ?? '').split('\n').map((l) => `    ${l}`));
      for (const sug of card.suggestions ?? []) out.push(`    -> suggestion: ${sug.label}`);
      for (const link of card.links ?? []) out.push(`    -> link: ${link.label} <${link.url}>`);
    }
  }
  io.out(`${out.join('\n')}\n`);
  return 0;
}

function usage(io: CliIo, problem?: string): number {
  if (problem) io.err(`evaluate: ${problem}\n`);
  io.err(`${USAGE}\n`);
  return 2;
}

if (require.main === module) {
  runEvaluate(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`evaluate: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
