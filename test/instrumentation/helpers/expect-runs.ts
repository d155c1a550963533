/**
 * The checks every provider test makes of a run, whatever the SDK: the hook changes nothing the
 * application does, each call is one span of the provider's instrumentation, with content
 * capture off no span carries content, a stream the app breaks out of is recorded as such, and a
 * failed call is an error span.
 */
import type { SinkSpan } from '../../helpers/otlp-sink';
import type { AppRuns } from './app-runs';
import { cases, type RunResult } from './run-app';
import { CLIENT, json, STATUS_ERROR, textReply } from './spans';

/** The hooked run exited 0 with `caseCount` cases and printed exactly what the plain run did; its cases. */
export function expectSameAsWithoutHook(
  hooked: RunResult,
  plain: RunResult,
  caseCount: number,
): Record<string, Record<string, unknown>> {
  expect(hooked.code).toBe(0);
  const byCase = cases(hooked.stdout);
  expect(Object.keys(byCase)).toHaveLength(caseCount);
  expect(hooked.stdout).toBe(plain.stdout);
  return byCase;
}

/** `count` spans, each a CLIENT span of the instrumentation scope `scope`. */
export function expectClientSpans(spans: SinkSpan[], count: number, scope: string): void {
  expect(spans).toHaveLength(count);
  for (const span of spans) {
    expect(span.kind).toBe(CLIENT);
    expect(span.scope.name).toBe(scope);
  }
}

/** `count` spans, none with any of the content attributes `keys`, none with events. */
export function expectNoContent(spans: SinkSpan[], count: number, keys: string[]): void {
  expect(spans).toHaveLength(count);
  for (const span of spans) {
    for (const key of keys) expect(span.attributes).not.toHaveProperty([key]);
    expect(span.events).toEqual([]);
  }
}

/**
 * The `stream-break` case: the app leaves the fakes' long stream with `break` after three chunks.
 * The span ends once, as abandoned by `return`, with the text read so far.
 */
export function expectBrokenOffStream(span: SinkSpan): void {
  expect(span.attributes['ai_audit.abandon.reason']).toBe('return');
  expect(json(span.attributes['gen_ai.output.messages'])).toEqual(textReply('w0 w1 ', 'incomplete'));
}

/**
 * The two tests each provider suite starts with for a hooked run, declared in the caller's
 * describe block: the app's output is the plain run's (`cases` cases), and the run exported
 * `spans` CLIENT spans of the instrumentation `scope`.
 */
export function testHookedRun(
  runs: AppRuns,
  run: { label: string; plainLabel: string; cases: number; spans: number; scope: string; spansTitle?: string },
): void {
  test('the application behaves exactly as without the hook', () => {
    expectSameAsWithoutHook(runs.result(run.label), runs.result(run.plainLabel), run.cases);
  });

  test(run.spansTitle ?? 'one CLIENT span per API request', () => {
    expectClientSpans(runs.spans(run.label), run.spans, run.scope);
  });
}

/** A call that failed: ERROR status with a message containing `message`, and `attributes` among its attributes. */
export function expectFailedCall(span: SinkSpan, message: string, attributes: Record<string, unknown>): void {
  expect(span.status).toEqual({ code: STATUS_ERROR, message: expect.stringContaining(message) });
  expect(span.attributes).toMatchObject(attributes);
}
