import { recordFields } from '../../collector/src/keys/envelope';
import { CollectorProcess, eventually, filesContaining, runCli } from '../helpers/collector';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';

/**
 * Default-deny for content: a value under an attribute key nobody told us about, in a
 * resource attribute, a span event or an exception message never reaches disk in clear;
 * it is sealed with the record and opens with `show --decrypt`.
 */

const CANARY = 'CANARY-5e21-never-in-clear';

describe('default-deny: unknown attributes, resource attributes and events are sealed', () => {
  let collector: CollectorProcess;

  beforeAll(async () => {
    collector = await CollectorProcess.start();
  });

  afterAll(async () => {
    await collector?.stop();
  });

  it('stores the canary 0 times in clear, in any table or file, and opens it with show --decrypt', async () => {
    const [span] = makeSpans(
      [
        {
          attributes: {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.provider.name': 'openai',
            'gen_ai.tool.name': 'lookup',
            'user.id': 'dana',
            'gen_ai.tool.args': JSON.stringify({ query: CANARY }),
            'some.vendor.prompt_preview': `summarize ${CANARY}`,
            'retry.count': 2,
          },
        },
      ],
      { 'service.name': 'support-bot', 'app.customer_note': CANARY },
    );
    // Events are added the way instrumentations do: an exception with its message, and a custom one.
    const withEvents = Object.assign(Object.create(Object.getPrototypeOf(span)), span, {
      events: [
        {
          name: 'exception',
          attributes: { 'exception.type': 'ToolError', 'exception.message': `tool failed on ${CANARY}` },
          time: span.startTime,
          droppedAttributesCount: 0,
        },
        { name: 'vendor.debug', attributes: { payload: CANARY }, time: span.startTime, droppedAttributesCount: 0 },
      ],
    });
    await exportSpans(createExporter('http-proto', collector), [withEvents]);
    const [row] = await eventually(async () => {
      const rows = await collector.sql<{
        record_id: string;
        attributes: Record<string, string>;
        resource: Record<string, string>;
        sealed: string;
      }>(
        "SELECT record_id, attributes, resource, base64Encode(content_sealed) AS sealed FROM ai_audit.records WHERE user_id = 'dana'",
      );
      return rows.length === 1 && rows;
    });
    expect(row.attributes).toEqual({ 'retry.count': '2' });
    expect(row.resource).toEqual({ 'service.name': 'support-bot' });
    expect(recordFields(Buffer.from(row.sealed, 'base64'))).toContain('extra');

    const [{ n }] = await collector.sql<{ n: number }>(
      `SELECT count() AS n FROM ai_audit.records WHERE positionCaseInsensitive(toString(tuple(*)), '${CANARY}') > 0`,
    );
    expect(n).toBe(0);
    expect(filesContaining(collector.dir, CANARY)).toEqual([]);

    const shown = await runCli([
      'show',
      row.record_id,
      '--decrypt',
      '--reason',
      'default-deny check',
      '--config',
      collector.configPath,
    ]);
    expect(shown.stderr).toBe('');
    const extra = JSON.parse(JSON.parse(shown.stdout).content.extra);
    expect(extra.attributes).toEqual({
      'gen_ai.tool.args': JSON.stringify({ query: CANARY }),
      'some.vendor.prompt_preview': `summarize ${CANARY}`,
    });
    expect(extra.resource).toEqual({ 'app.customer_note': CANARY });
    expect(extra.events.map((event: { name: string }) => event.name)).toEqual(['exception', 'vendor.debug']);
    expect(JSON.stringify(extra.events)).toContain(`tool failed on ${CANARY}`);
  });
});
