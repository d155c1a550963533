import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runOnStore } from './collector';

/** What the ledger tests share: a chat span, the collector's ledger settings, verify, a tampered copy. */

export interface VerifyReport {
  ok: boolean;
  chains: { chain: string; entries: number; signed_through: number; last_seq: number; awaiting_signature: number }[];
  rows: Record<string, Record<string, number>>;
  problems: { kind: string; table?: string; id?: string; seq?: number; detail: string }[];
  explained: { status: string; id: string; detail: string }[];
}

/** A chat span of `user` with a prompt and an answer numbered `i`. */
export function chatSpan(user: string, i: number, start?: Date) {
  return {
    start,
    end: start,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 100 + i,
      'gen_ai.usage.output_tokens': 20,
      'user.id': user,
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `question ${i}` }] }]),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: `answer ${i}` }], finish_reason: 'stop' },
      ]),
    },
  };
}

/** Heads signed every second, and digest files next to the data. */
export const LEDGER_YAML = '    ledger:\n      sign_interval: 1s\n      digest_directory: ./digests';

/** `ai-audit verify --format json` on the collector config in `dir`. */
export async function verify(dir: string, ...extra: string[]): Promise<{ code: number; report: VerifyReport }> {
  const { stdout, stderr, code } = await runCli([
    'verify',
    '--config',
    join(dir, 'otel-config.yaml'),
    '--format',
    'json',
    ...extra,
  ]);
  try {
    return { code, report: JSON.parse(stdout) as VerifyReport };
  } catch {
    throw new Error(`verify printed no report (exit ${code}): ${stderr}${stdout}`);
  }
}

/** A copy of a stopped collector's directory, changed through the engine as an attacker with write access would. */
export async function tampered(source: string, statements: string[]): Promise<string> {
  const copy = mkdtempSync(join(tmpdir(), 'ai-audit-tampered-'));
  cpSync(source, copy, { recursive: true });
  await runOnStore(join(copy, 'data/clickhouse'), statements);
  return copy;
}
