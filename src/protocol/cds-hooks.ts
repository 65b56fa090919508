/**
 * CDS Hooks 2.0 wire schemas (zod): request, response, feedback. The response
 * schema is strict about the spec's "no empty arrays, no nulls" rule; tests
 * run it over every response the service produces.
 */
import { z } from 'zod';

const nonEmptyString = z.string().min(1);

/** An optional array must be left out rather than sent empty. */
function nonEmptyArray<T extends z.ZodType>(item: T) {
  return z.array(item).min(1);
}

export const CodingSchema = z
  .object({
    system: nonEmptyString.optional(),
    code: nonEmptyString,
    display: nonEmptyString.optional(),
  })
  .strict();

export const ActionSchema = z
  .object({
    type: z.enum(['create', 'update', 'delete']),
    description: nonEmptyString,
    resource: z.record(z.string(), z.unknown()).optional(),
    resourceId: nonEmptyString.optional(),
  })
  .strict()
  .refine((a) => (a.type === 'delete' ? a.resourceId !== undefined : a.resource !== undefined), {
    message: 'create/update need resource; delete needs resourceId',
  });

export const SuggestionSchema = z
  .object({
    label: nonEmptyString,
    uuid: z.uuid().optional(),
    isRecommended: z.boolean().optional(),
    actions: nonEmptyArray(ActionSchema).optional(),
  })
  .strict();

export const LinkSchema = z
  .object({
    label: nonEmptyString,
    url: z.url(),
    type: z.enum(['absolute', 'smart']),
    appContext: nonEmptyString.optional(),
    autolaunchable: z.boolean().optional(),
  })
  .strict()
  .refine((l) => l.type === 'smart' || l.appContext === undefined, { message: 'appContext only on smart links' });

export const CardSchema = z
  .object({
    uuid: z.uuid().optional(),
    summary: nonEmptyString.max(139),
    detail: nonEmptyString.optional(),
    indicator: z.enum(['info', 'warning', 'critical']),
    source: z
      .object({
        label: nonEmptyString,
        url: z.url().optional(),
        icon: z.url().optional(),
        topic: CodingSchema.optional(),
      })
      .strict(),
    suggestions: nonEmptyArray(SuggestionSchema).optional(),
    selectionBehavior: z.enum(['at-most-one', 'any']).optional(),
    overrideReasons: nonEmptyArray(CodingSchema.extend({ display: nonEmptyString })).optional(),
    links: nonEmptyArray(LinkSchema).optional(),
  })
  .strict()
  .refine((c) => c.suggestions === undefined || c.selectionBehavior !== undefined, { message: 'selectionBehavior is required with suggestions' })
  .refine((c) => c.selectionBehavior !== 'at-most-one' || (c.suggestions ?? []).filter((s) => s.isRecommended).length <= 1, {
    message: 'at-most-one allows at most one recommended suggestion',
  });

/** No `null`, `""`, `[]` or `{}` anywhere in a response (except the top-level cards array). */
function hasEmptyValue(value: unknown, path: string[] = []): string | undefined {
  if (value === null) return path.join('.');
  if (typeof value === 'string' && value.length === 0) return path.join('.');
  if (Array.isArray(value)) {
    if (value.length === 0 && !(path.length === 1 && path[0] === 'cards')) return path.join('.');
    for (let i = 0; i < value.length; i++) {
      const found = hasEmptyValue(value[i], [...path, String(i)]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== undefined) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return path.join('.');
    for (const [k, v] of entries) {
      const found = hasEmptyValue(v, [...path, k]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

export const CdsResponseSchema = z
  .object({
    cards: z.array(CardSchema),
    systemActions: nonEmptyArray(ActionSchema).optional(),
    extension: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const empty = hasEmptyValue(r);
    if (empty !== undefined) ctx.addIssue({ code: 'custom', message: `empty value (null, "", [] or {}) at ${empty || '(root)'}` });
  });

export type Card = z.infer<typeof CardSchema>;
export type Suggestion = z.infer<typeof SuggestionSchema>;
export type Link = z.infer<typeof LinkSchema>;
export type CdsResponse = z.infer<typeof CdsResponseSchema>;

/** Discovery response. */
export const DiscoverySchema = z
  .object({
    services: z.array(
      z
        .object({
          hook: nonEmptyString,
          id: nonEmptyString,
          title: nonEmptyString.optional(),
          description: nonEmptyString,
          prefetch: z.record(z.string(), nonEmptyString).optional(),
          usageRequirements: nonEmptyString.optional(),
        })
        .strict(),
    ),
  })
  .strict();

const FhirResourceShape = z.looseObject({ resourceType: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/) });

/** The hooks the service answers. */
export const HOOKS = ['patient-view', 'order-select', 'order-sign'] as const;
export type Hook = (typeof HOOKS)[number];

/**
 * order-select / order-sign `context.draftOrders`: a Bundle (real clients send
 * no `type`) whose entries hold resources. Entries are checked one by one by
 * the reader (an entry of an unknown type is ignored and said so); the shape
 * of the Bundle itself is checked here.
 */
export const DraftOrdersSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z
    .array(z.looseObject({ resource: FhirResourceShape.optional() }))
    .max(500)
    .optional(),
});
export type DraftOrdersBundle = z.infer<typeof DraftOrdersSchema>;

/** A reference to a draft order, e.g. `MedicationRequest/request-123`. */
const OrderReference = z.string().min(1).max(200);

/** Invocation request. Prefetch values: a FHIR resource (often a Bundle), or null. The hook's own context is checked per hook. */
export const CdsRequestSchema = z.looseObject({
  hook: z.enum(HOOKS),
  hookInstance: z.string().min(1).max(200),
  fhirServer: z.url().max(2048).optional(),
  fhirAuthorization: z
    .looseObject({
      access_token: z.string().min(1).max(16384),
      token_type: z.string().min(1).max(64),
      expires_in: z.number().optional(),
      scope: z.string().max(8192).optional(),
      subject: z.string().max(1024).optional(),
      patient: z.string().max(1024).optional(),
    })
    .optional(),
  context: z.looseObject({
    userId: z.string().min(1).max(1024),
    patientId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'patientId must be a FHIR id'),
    encounterId: z.string().max(1024).optional(),
    /** order-select: the orders the user has just selected; order-sign: absent. */
    selections: z.array(OrderReference).max(500).optional(),
    draftOrders: DraftOrdersSchema.optional(),
  }),
  prefetch: z.record(z.string().max(256), FhirResourceShape.nullable()).optional(),
  extension: z.record(z.string(), z.unknown()).optional(),
});
export type CdsRequest = z.infer<typeof CdsRequestSchema>;

export const FeedbackSchema = z.object({
  feedback: z
    .array(
      z
        .looseObject({
          card: z.string().min(1).max(200),
          outcome: z.enum(['accepted', 'overridden']),
          acceptedSuggestions: z.array(z.looseObject({ id: z.string().min(1).max(200) })).optional(),
          overrideReason: z
            .looseObject({
              reason: z
                .looseObject({ code: z.string().max(200), system: z.string().max(1024).optional(), display: z.string().max(1024).optional() })
                .optional(),
              userComment: z.string().max(4000).optional(),
            })
            .optional(),
          outcomeTimestamp: z.iso.datetime({ offset: true }),
        })
        .refine((f) => f.outcome !== 'accepted' || (f.acceptedSuggestions !== undefined && f.acceptedSuggestions.length > 0), {
          message: 'acceptedSuggestions is required when the outcome is accepted',
          path: ['acceptedSuggestions'],
        }),
    )
    .min(1)
    .max(1000),
});
export type FeedbackRequest = z.infer<typeof FeedbackSchema>;
