/**
 * Command-line evaluator: print the stratification and the cards for a FHIR
 * Bundle (or a complete CDS Hooks request) as a clinician would read them.
 * It answers through the same use case as the HTTP service (same 412 rule,
 * same wording); a Bundle is first turned into the request an EHR that
 * prefetches everything would send.
 *
 *   npm run evaluate -- <bundle.json | cds-request.json> [--now YYYY-MM-DD] [--json]
 *                       [--orders draft-orders.json [--hook order-sign|order-select] [--select Type/id,...]]
 *
 * With --orders, the Bundle's patient is checked with those draft orders (a
 * FHIR Bundle of MedicationRequest / ServiceRequest, as context.draftOrders)
 * by the order-sign service, or order-select with --hook (the selections are
 * --select, else every draft).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { requestFromBundle } from './cds/bundle-request';
import { describeStratification } from './clinical/headline';
import { cardIdKeyOf, loadConfig } from './config';
import { CardIds } from './cards/card-id';
import { today } from './clock';
import { loadKnowledge } from './knowledge';
import { CdsError } from './protocol/operation-outcome';
import { answerHookRequest } from './use-case/answer-hook-request';

const USAGE =
  'usage: npm run evaluate -- <bundle.json | cds-request.json> [--now YYYY-MM-DD] [--json] [--orders draft-orders.json [--hook order-sign|order-select] [--select Type/id,...]]';
const ORDER_HOOKS = ['order-sign', 'order-select'] as const;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Run the evaluator; returns the exit code (0 done, 2 usage or unreadable input, 3 data unobtainable / invalid request). */
export async function runEvaluate(argv: string[], io: CliIo): Promise<number> {
  let args: { file: string; now: string; json: boolean; orders?: string; hook?: (typeof ORDER_HOOKS)[number]; select?: string[] };
  try {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        now: { type: 'string' },
        json: { type: 'boolean' },
        orders: { type: 'string' },
        hook: { type: 'string' },
        select: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (parsed.values.help) return usage(io);
    const now = parsed.values.now ?? today();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(now)) return usage(io, '--now takes a date YYYY-MM-DD');
    if (parsed.positionals.length !== 1) return usage(io, 'one bundle or request file is required');
    const { orders, hook, select } = parsed.values;
    if ((hook !== undefined || select !== undefined) && orders === undefined) return usage(io, '--hook and --select need --orders');
    if (hook !== undefined && !(ORDER_HOOKS as readonly string[]).includes(hook)) return usage(io, '--hook is order-sign or order-select');
    if (select !== undefined && hook !== 'order-select') return usage(io, '--select needs --hook order-select');
    args = {
      file: parsed.positionals[0],
      now,
      json: parsed.values.json === true,
      ...(orders !== undefined ? { orders, hook: (hook as (typeof ORDER_HOOKS)[number] | undefined) ?? 'order-sign' } : {}),
      ...(select !== undefined ? { select: select.split(',').map((x) => x.trim()) } : {}),
    };
  } catch (err) {
    return usage(io, (err as Error).message);
  }

  const config = loadConfig(io.env ?? process.env);
  const knowledge = loadKnowledge(config.hooksDir, config.valueSetDir);
  let input: Record<string, unknown>;
  let draftOrders: unknown;
  try {
    input = readJsonFile(args.file);
    if (args.orders !== undefined) draftOrders = readJsonFile(args.orders);
  } catch (err) {
    io.err(`evaluate: cannot read ${(err as { file?: string }).file ?? args.file}: ${(err as Error).message}\n`);
    return 2;
  }
  let request: unknown;
  const orders = args.hook ? { hook: args.hook, draftOrders, ...(args.select ? { selections: args.select } : {}) } : undefined;
  if (typeof input.hook === 'string' && !orders) request = input;
  else if (input.resourceType === 'Bundle') request = requestFromBundle(input, knowledge.service.prefetch, 'bundle', orders);
  else {
    io.err(`evaluate: the file is neither a FHIR Bundle nor a CDS Hooks request${orders ? ' (with --orders, give the patient Bundle)' : ''}\n`);
    return 2;
  }
  const serviceId = orders ? knowledge.services.find((s) => s.hook === orders.hook)?.id : undefined;

  let answer: Awaited<ReturnType<typeof answerHookRequest>>;
  try {
    const hook = (request as { hook?: unknown }).hook;
    const id = serviceId ?? knowledge.services.find((s) => s.hook === hook)?.id;
    // The same card ids as the service on this machine (CDS_CARD_ID_KEY, or the development key file).
    const cardIds = new CardIds(cardIdKeyOf(config));
    answer = await answerHookRequest(request, { knowledge, settings: config.clinical, clock: () => args.now, cardIds }, undefined, id);
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
  const { stratification } = answer;
  const out: string[] = [`Evaluated ${args.file} as of ${args.now}`];
  if (!stratification) {
    out.push(
      answer.resourceCount === 0 && Object.keys(answer.keys).length === 0
        ? 'No order for an ALL-directed agent to check: no cards.'
        : 'No relapsed ALL found: no cards.',
    );
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

function readJsonFile(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw Object.assign(new Error((err as Error).message), { file });
  }
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
