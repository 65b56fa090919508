/**
 * Override reasons (CDS Hooks 2.0 `overrideReasons`): one coded vocabulary in
 * hooks/override-reasons.json; each card and order check in the catalogs names
 * the codes it offers. Loaded and checked at start-up.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { zodIssues } from '../protocol/zod-issues';

export interface OverrideReason {
  system: string;
  code: string;
  display: string;
}

const ReasonsFile = z.object({
  system: z.string().url(),
  description: z.string().optional(),
  reasons: z.array(z.object({ code: z.string().regex(/^[a-z0-9-]+$/), display: z.string().min(1).max(200) }).strict()).min(1),
});

export class OverrideReasons {
  private constructor(
    readonly system: string,
    private readonly byCode: Map<string, OverrideReason>,
  ) {}

  static load(file: string): OverrideReasons {
    let parsed: z.infer<typeof ReasonsFile>;
    try {
      const result = ReasonsFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!result.success) throw new Error(zodIssues(result.error));
      parsed = result.data;
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
    const byCode = new Map<string, OverrideReason>();
    for (const r of parsed.reasons) {
      if (byCode.has(r.code)) throw new Error(`${file}: override reason "${r.code}" is listed twice`);
      byCode.set(r.code, { system: parsed.system, code: r.code, display: r.display });
    }
    return new OverrideReasons(parsed.system, byCode);
  }

  /** Every reason, in file order. */
  all(): OverrideReason[] {
    return [...this.byCode.values()];
  }

  /** The reasons a card offers, by code; throws naming `where` when a code is unknown or repeated. */
  resolve(codes: readonly string[], where: string): OverrideReason[] {
    if (codes.length === 0) throw new Error(`${where}: overrideReasons is empty (every card offers at least one)`);
    if (new Set(codes).size !== codes.length) throw new Error(`${where}: overrideReasons lists a code twice`);
    return codes.map((code) => {
      const reason = this.byCode.get(code);
      if (!reason) throw new Error(`${where}: unknown override reason "${code}" (not in hooks/override-reasons.json)`);
      return reason;
    });
  }
}
