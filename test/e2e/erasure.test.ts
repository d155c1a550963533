import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { LocalKeyProvider } from '../../collector/src/keys/local';
import { openRecord } from '../../collector/src/keys/envelope';
import { createLogger } from '../../collector/src/telemetry/logger';
import { recordRowJson } from '../../collector/src/store/row-binary';
import { decodeEntry, rowsOf } from '../../collector/src/store/wal-entry';
import { decodeFrame } from '../../collector/src/wal/frame';
import { CollectorProcess, eventually, filesContaining, runCli } from '../helpers/collector';
import { createExporter, exportSpans, makeSpans } from '../helpers/otel';

/**
 * Erasure, attacked: after `erase` returns, nothing under the data directory names the
 * user or holds their keys (a byte search), a script holding the write-ahead log and the
 * keyring opens nothing of theirs, and spans of the user that arrive while the erasure
 * runs are never stored under a destroyed key.
 */

const SECRET = 'PROMPT-7c1e-of-the-erased';

function span(user: string, text = `${SECRET} what is my balance?`) {
  return {
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'user.id': user,
      'session.id': `${user}-session`,
      'app.note': `requested by ${user}`,
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: text }] }]),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: 'ok' }], finish_reason: 'stop' },
      ]),
    },
  };
}

/**
 * What someone holding a copy of the write-ahead log and the keyring can read: every data
 * key row in the log unwrapped, every sealed field of the user's records opened with them.
 */
async function openFromLog(
  walDir: string,
  keyringPath: string,
  user: string,
): Promise<{ rows: number; keys: number; opened: string[] }> {
  const provider = new LocalKeyProvider(
    keyringPath,
    createLogger({ level: 'error', encoding: 'json', write: () => undefined }),
  );
  const keys = new Map<string, Buffer>();
  const records: Record<string, string>[] = [];
  for (const name of readdirSync(walDir)) {
    const path = join(walDir, name);
    if (!statSync(path).isFile() || !name.includes('.wal')) continue;
    const data = readFileSync(path);
    for (let offset = 0; offset < data.length;) {
      const outcome = decodeFrame(data, offset);
      if (!('frame' in outcome)) break;
      offset += outcome.bytes;
      for (const section of decodeEntry(Buffer.from(outcome.frame.payload))) {
        for (const line of rowsOf([section])) {
          const row = (
            section.format === 'rowbinary' ? recordRowJson(line) : JSON.parse(line.toString('utf8'))
          ) as Record<string, string>;
          if (section.table === 'data_keys' && row.subject === user) {
            const context = { tenant: row.tenant_id, subject: row.subject, key_id: row.key_id };
            keys.set(
              row.key_id,
              await provider.unwrap(
                { ciphertext: Buffer.from(row.wrapped, 'base64'), kekVersion: row.kek_version },
                context,
              ),
            );
          }
          if (section.table === 'records' && row.user_id === user) records.push(row);
        }
      }
    }
  }
  const opened: string[] = [];
  for (const row of records) {
    const key = keys.get(row.content_key_id);
    if (key && row.content_sealed) {
      const fields = openRecord(key, Buffer.from(row.content_sealed, 'base64'), {
        tenantId: row.tenant_id,
        recordId: row.record_id,
      });
      if (fields.input !== undefined) opened.push(fields.input);
    }
  }
  return { rows: records.length, keys: keys.size, opened };
}

const erase = (collector: CollectorProcess, user: string, ...extra: string[]) =>
  runCli([
    'erase',
    '--yes',
    '--tenant',
    'default',
    '--user',
    user,
    '--reason',
    'GDPR request 2026-117',
    '--config',
    collector.configPath,
    ...extra,
  ]);

describe('erasure leaves nothing of the user under the data directory', () => {
  const victim = 'victim-3f9c1a@example.com';
  let collector: CollectorProcess;
  let keyIds: string[];

  beforeAll(async () => {
    collector = await CollectorProcess.start();
    await exportSpans(createExporter('grpc', collector), makeSpans([span(victim), span(victim), span('bystander-91')]));
    await eventually(
      async () =>
        (await collector.sql<{ n: number }>(`SELECT count() AS n FROM ai_audit.records WHERE user_id = '${victim}'`))[0]
          .n === 2,
    );
    keyIds = (
      await collector.sql<{ key_id: string }>(
        `SELECT DISTINCT key_id FROM ai_audit.data_keys WHERE subject = '${victim}'`,
      )
    ).map((row) => row.key_id);
  });

  afterAll(async () => {
    await collector?.stop();
  });

  it("before: the log and the keyring open the user's content (the attack works)", async () => {
    expect(keyIds.length).toBeGreaterThan(0);
    const before = await openFromLog(join(collector.dir, 'data/wal'), join(collector.dir, 'data/keyring.json'), victim);
    expect(before.opened.some((text) => text.includes(SECRET))).toBe(true);
    expect(filesContaining(collector.dir, victim).length).toBeGreaterThan(0);
  });

  it('after erase (collector running): no byte of the user id or their key ids, nothing opens from the log', async () => {
    const result = await erase(collector, victim);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/2 records pseudonymized to erased:[0-9a-f]{24}/);
    for (const needle of [victim, ...keyIds]) expect(filesContaining(collector.dir, needle)).toEqual([]);
    const after = await openFromLog(join(collector.dir, 'data/wal'), join(collector.dir, 'data/keyring.json'), victim);
    expect(after).toEqual({ rows: 0, keys: 0, opened: [] });
    const [mutations] = await collector.sql<{ text: string }>(
      "SELECT arrayStringConcat(groupArray(command), ' ') AS text FROM system.mutations WHERE database = 'ai_audit'",
    );
    expect(mutations.text).toContain('erasure_subject');
    expect(mutations.text).not.toContain(victim);
    // The other user's records and content are untouched.
    const [{ n }] = await collector.sql<{ n: number }>(
      "SELECT count() AS n FROM ai_audit.records WHERE user_id = 'bystander-91' AND content_sealed != ''",
    );
    expect(n).toBe(1);
  });

  it('nothing comes back after a restart', async () => {
    expect(await collector.stop()).toBe(0);
    collector = await CollectorProcess.start({}, collector.dir);
    for (const needle of [victim, ...keyIds]) expect(filesContaining(collector.dir, needle)).toEqual([]);
    const pseudonymized = await collector.sql<Record<string, string>>(
      "SELECT user_id, session_id, content_key_id, content_sealed, attributes['app.note'] AS note FROM ai_audit.records WHERE user_id LIKE 'erased:%'",
    );
    expect(pseudonymized).toHaveLength(2);
    for (const row of pseudonymized)
      expect(row).toEqual({
        user_id: expect.stringMatching(/^erased:/),
        session_id: `${row.user_id}:s`,
        content_key_id: '',
        content_sealed: '',
        note: '',
      });
  });

  it('refuses a reason that names the user (the register keeps reasons in clear), and erase without --yes off a terminal', async () => {
    const named = await runCli([
      'erase',
      '--yes',
      '--user',
      'someone-else',
      '--reason',
      'request of someone-else',
      '--config',
      collector.configPath,
    ]);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('must not contain the user id');
    const unconfirmed = await runCli([
      'erase',
      '--user',
      'someone-else',
      '--reason',
      'GDPR',
      '--config',
      collector.configPath,
    ]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('add --yes to confirm');
  });
});

describe('erasure with the collector stopped and records still only in its write-ahead log', () => {
  it('drains the log into the store, erases there, and deletes the log files that held them', async () => {
    const victim = 'wal-only-user-5d2e';
    // A writer that never inserts on its own: acknowledged records stay in the log only.
    let collector = await CollectorProcess.start({ flushInterval: '1h', maxRows: 1_000_000 });
    await exportSpans(createExporter('http-proto', collector), makeSpans([span(victim), span('bystander-22')]));
    expect(await collector.stop('SIGKILL')).toBe(null);
    const walDir = join(collector.dir, 'data/wal');
    expect((await openFromLog(walDir, join(collector.dir, 'data/keyring.json'), victim)).opened).toHaveLength(1);

    const result = await erase(collector, victim);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/1 data key destroyed, 1 record pseudonymized/);
    expect(filesContaining(collector.dir, victim)).toEqual([]);
    expect(await openFromLog(walDir, join(collector.dir, 'data/keyring.json'), victim)).toEqual({
      rows: 0,
      keys: 0,
      opened: [],
    });

    // The other user's record was drained into the store, not lost with the log files.
    collector = await CollectorProcess.start({}, collector.dir);
    try {
      expect(await collector.sql("SELECT user_id FROM ai_audit.records WHERE user_id = 'bystander-22'")).toEqual([
        { user_id: 'bystander-22' },
      ]);
    } finally {
      await collector.stop();
    }
  });
});

describe('erasure racing with ingest', () => {
  it('spans of the user sent during the erasure are never stored under a destroyed key', async () => {
    const victim = 'racing-user-8b40';
    const collector = await CollectorProcess.start();
    const exporter: SpanExporter = createExporter('grpc', collector);
    try {
      await exportSpans(exporter, makeSpans([span(victim)]));
      await eventually(
        async () =>
          (
            await collector.sql<{ n: number }>(`SELECT count() AS n FROM ai_audit.records WHERE user_id = '${victim}'`)
          )[0].n === 1,
      );
      let sending = true;
      let sent = 0;
      const sender = (async () => {
        while (sending) {
          try {
            await exportSpans(exporter, makeSpans([span(victim, `racing prompt ${sent}`)]));
            sent++;
          } catch {
            // Refused while the erasure runs (retryable): the next round sends again.
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const result = await erase(collector, victim);
      sending = false;
      await sender;
      // On failure, what the collector logged around the erasure says why.
      const failure = result.code === 0 ? '' : collector.logs.slice(-40).join('\n');
      expect({ code: result.code, stderr: result.stderr, failure }).toEqual({ code: 0, stderr: '', failure: '' });
      expect(sent).toBeGreaterThan(0);
      await exportSpans(exporter, makeSpans([span(victim, 'after the erasure')]));
      // Every record of the user in the store was sealed under a key that still exists.
      const rows = await eventually(async () => {
        const r = await collector.sql<{ record_id: string; content_key_id: string; key_exists: number }>(
          `SELECT record_id, content_key_id, content_key_id IN (SELECT key_id FROM ai_audit.data_keys) AS key_exists FROM ai_audit.records WHERE user_id = '${victim}'`,
        );
        return r.length > 0 && r;
      });
      expect(rows.filter((row) => !row.key_exists)).toEqual([]);
      for (const row of rows.slice(-3)) {
        const shown = await runCli([
          'show',
          row.record_id,
          '--decrypt',
          '--reason',
          'race check',
          '--config',
          collector.configPath,
        ]);
        expect(shown.stderr).toBe('');
      }
    } finally {
      await exporter.shutdown();
      await collector.stop();
    }
  });
});
