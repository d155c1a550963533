import { recordFields, recordKeyId } from '../../collector/src/keys/envelope';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { CollectorProcess, eventually, filesContaining, runCli, runOnStore, runSql } from '../helpers/collector';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';

const CANARY = 'CANARY-d41c8-SEALED-PROMPT';

function prompt(user: string, text: string) {
  const input = JSON.stringify([
    { role: 'system', parts: [{ type: 'text', content: 'You are a bank assistant.' }] },
    { role: 'user', parts: [{ type: 'text', content: text }] },
  ]);
  const output = JSON.stringify([
    { role: 'assistant', parts: [{ type: 'text', content: `Answer for ${user}: ${CANARY}` }], finish_reason: 'stop' },
  ]);
  return {
    input,
    output,
    spec: {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 50,
        'gen_ai.usage.output_tokens': 10,
        'user.id': user,
        'gen_ai.input.messages': input,
        'gen_ai.output.messages': output,
        'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'be brief' }]),
      },
    },
  };
}

async function cli(collector: { configPath: string }, args: string[]) {
  return runCli([...args, '--config', collector.configPath]);
}

describe('protection: sealed content, keyed hashes, detection, erasure by key', () => {
  let collector: CollectorProcess;
  const alice = prompt(
    'alice',
    `${CANARY} my email is alice@example.com and my card is 4111 1111 1111 1111, what is my balance?`,
  );
  const bob = prompt('bob', 'What is the weather like in Paris today?');
  let aliceId: string;
  let bobId: string;

  beforeAll(async () => {
    collector = await CollectorProcess.start();
    await exportSpans(createExporter('grpc', collector), makeSpans([alice.spec, bob.spec]));
    const rows = await eventually(async () => {
      const r = await collector.sql<{ record_id: string; user_id: string }>(
        "SELECT record_id, user_id FROM ai_audit.records WHERE user_id IN ('alice', 'bob')",
      );
      return r.length === 2 && r;
    });
    aliceId = rows.find((r) => r.user_id === 'alice')?.record_id as string;
    bobId = rows.find((r) => r.user_id === 'bob')?.record_id as string;
  });

  afterAll(async () => {
    await collector?.stop();
  });

  it('stores sealed content, an HMAC prompt hash and the violations found, never the text', async () => {
    const [row] = await collector.sql<Record<string, string | string[]>>(
      `SELECT base64Encode(content_sealed) AS sealed, input_sealed, output_sealed, prompt_hash, response_hash, content_key_id, violations FROM ai_audit.records WHERE record_id = '${aliceId}'`,
    );
    // One envelope, raw bytes in the store, holding the three fields; the per-field columns
    // are no longer written.
    const envelope = Buffer.from(row.sealed as string, 'base64');
    expect(envelope[0]).toBe(2);
    expect(recordFields(envelope)).toEqual(['input', 'output', 'system']);
    expect(recordKeyId(envelope)).toBe(row.content_key_id);
    expect([row.input_sealed, row.output_sealed]).toEqual(['', '']);
    expect(row.prompt_hash).toMatch(/^hmac-sha256:v1:[0-9a-f]{64}$/);
    expect(row.response_hash).toMatch(/^hmac-sha256:v1:[0-9a-f]{64}$/);
    expect(row.content_key_id).toMatch(/^dek_[0-9a-f]{24}$/);
    expect(row.violations).toEqual(expect.arrayContaining(['pii:credit_card', 'pii:email']));
    expect(filesContaining(collector.dir, CANARY)).toEqual([]);
    expect(filesContaining(collector.dir, 'alice@example.com')).toEqual([]);
  });

  it('ai-audit hash gives the prompt_hash of a prompt text, so records can be found by it', async () => {
    const { stdout, code } = await cli(collector, [
      'hash',
      '--tenant',
      'default',
      'What is the weather like in Paris today?',
    ]);
    expect(code).toBe(0);
    const rows = await collector.sql(`SELECT user_id FROM ai_audit.records WHERE prompt_hash = '${stdout.trim()}'`);
    expect(rows).toEqual([{ user_id: 'bob' }]);
  });

  it('show --decrypt returns the exact original text and logs the access', async () => {
    const refused = await cli(collector, ['show', aliceId, '--decrypt']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--decrypt needs --reason');
    const { stdout, code, stderr } = await cli(collector, [
      'show',
      aliceId,
      '--decrypt',
      '--reason',
      'support ticket 7',
      '--actor',
      'auditor-1',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const shown = JSON.parse(stdout);
    expect(shown.content.input).toBe(alice.input);
    expect(shown.content.output).toBe(alice.output);
    expect(shown.content.system).toBe(JSON.stringify([{ type: 'text', content: 'be brief' }]));
    expect(shown.record.user_id).toBe('alice');
    const log = await eventually(async () => {
      const r = await collector.sql(
        `SELECT actor, action, record_id, reason FROM ai_audit.access_log WHERE record_id = '${aliceId}'`,
      );
      return r.length === 1 && r;
    });
    expect(log).toEqual([
      {
        actor: `${userInfo().username} (as "auditor-1")`,
        action: 'decrypt',
        record_id: aliceId,
        reason: 'support ticket 7',
      },
    ]);
    const plain = JSON.parse((await cli(collector, ['show', aliceId])).stdout);
    expect(plain.content).toBeUndefined();
  });

  it('after keys rotate, old records still open and new ones use the new KEK version', async () => {
    const rotated = await cli(collector, ['keys', 'rotate']);
    expect(rotated.stdout).toMatch(/^new local KEK version 2; [1-9]\d* data keys? re-wrapped\n$/);
    const carol = prompt('carol', 'Rotate me');
    await exportSpans(createExporter('http-proto', collector), makeSpans([carol.spec]));
    const [{ record_id: carolId }] = await eventually(async () => {
      const r = await collector.sql<{ record_id: string }>(
        "SELECT record_id FROM ai_audit.records WHERE user_id = 'carol'",
      );
      return r.length === 1 && r;
    });
    expect(
      JSON.parse((await cli(collector, ['show', aliceId, '--decrypt', '--reason', 'after rotation'])).stdout).content
        .input,
    ).toBe(alice.input);
    expect(
      JSON.parse((await cli(collector, ['show', carolId, '--decrypt', '--reason', 'after rotation'])).stdout).content
        .input,
    ).toBe(carol.input);
    const status = JSON.parse((await cli(collector, ['keys', 'status', '--json'])).stdout);
    expect(status.kekVersions).toEqual([
      expect.objectContaining({ version: '1', current: false }),
      expect.objectContaining({ version: '2', current: true }),
    ]);
    expect(status.dataKeys.map((d: { kek_version: string }) => d.kek_version)).toEqual(['2']);
  });

  it("after erasing one user, their content cannot be opened and another user's still can", async () => {
    const { stdout, code } = await cli(collector, [
      'erase',
      '--yes',
      '--tenant',
      'default',
      '--user',
      'alice',
      '--reason',
      'GDPR request 17',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^erased user alice of tenant default: 1 data key destroyed, 1 record pseudonymized to erased:[0-9a-f]{24}\n$/,
    );
    const pseudonym = /erased:[0-9a-f]{24}/.exec(stdout)?.[0];
    const refused = await cli(collector, ['show', aliceId, '--decrypt', '--reason', 'after erasure']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("was erased with its user's data keys");
    expect(
      JSON.parse((await cli(collector, ['show', bobId, '--decrypt', '--reason', 'after erasure'])).stdout).content
        .input,
    ).toBe(bob.input);
    expect(await collector.sql("SELECT count() AS n FROM ai_audit.records WHERE user_id = 'alice'")).toEqual([
      { n: 0 },
    ]);
    expect(await collector.sql(`SELECT user_id FROM ai_audit.records WHERE record_id = '${aliceId}'`)).toEqual([
      { user_id: pseudonym },
    ]);
    expect(await collector.sql("SELECT count() AS n FROM ai_audit.data_keys WHERE subject = 'alice'")).toEqual([
      { n: 0 },
    ]);
    expect(
      await collector.sql('SELECT subject_pseudonym, keys_destroyed, rows_affected, metadata FROM ai_audit.erasures'),
    ).toEqual([{ subject_pseudonym: pseudonym, keys_destroyed: 1, rows_affected: 1, metadata: 'pseudonymize' }]);
  });

  it('a ciphertext copied into another row fails to open (also with the collector stopped)', async () => {
    expect(await collector.stop()).toBe(0);
    const copyId = '00000000-0000-8000-8000-000000000001';
    await runOnStore(join(collector.dir, 'data/clickhouse'), [
      `INSERT INTO ai_audit.records SELECT * REPLACE (toUUID('${copyId}') AS record_id) FROM (SELECT * FROM ai_audit.records WHERE record_id = '${bobId}')`,
    ]);
    const copied = await cli(collector, ['show', copyId, '--decrypt', '--reason', 'tamper test']);
    expect(copied.code).toBe(1);
    expect(copied.stderr).toContain('does not open');
    const original = await cli(collector, ['show', bobId, '--decrypt', '--reason', 'direct access']);
    expect(JSON.parse(original.stdout).content.input).toBe(bob.input);
    expect(await runSql(collector.configPath, 'SELECT count() AS n FROM ai_audit.access_log')).toEqual([{ n: 7 }]);
  });
});

describe('protection: content policies', () => {
  it.each([
    ['hash_only', true],
    ['drop', false],
  ])('content: %s stores no content (hashes: %s)', async (policy, hashed) => {
    const collector = await CollectorProcess.start({ processorsYaml: `  protect:\n    content: ${policy}` });
    try {
      await exportSpans(createExporter('http-json', collector), makeSpans([prompt('dave', CANARY).spec]));
      const [row] = await eventually(async () => {
        const r = await collector.sql<Record<string, string>>(
          "SELECT content_sealed, input_sealed, output_sealed, prompt_hash, content_key_id FROM ai_audit.records WHERE user_id = 'dave'",
        );
        return r.length === 1 && r;
      });
      expect([row.content_sealed, row.input_sealed, row.output_sealed]).toEqual(['', '', '']);
      expect(row.content_key_id).toBe('');
      expect(row.prompt_hash !== '').toBe(hashed);
      expect(filesContaining(collector.dir, CANARY)).toEqual([]);
    } finally {
      await collector.stop();
    }
  });
});
