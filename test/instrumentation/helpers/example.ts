/** Runs instrumentation/examples/ask-service.js with the hook, asks it questions, then stops it with SIGTERM. */
import * as http from 'node:http';
import * as path from 'node:path';
import { REPO, runApp, type RunResult } from './run-app';

export interface Question {
  user: string;
  session?: string;
  question: string;
}

export interface Answer {
  status: number;
  body: unknown;
}

function ask(port: number, { user, session, question }: Question): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'x-user-id': user, 'x-tenant-id': 'acme' };
    if (session) headers['x-session-id'] = session;
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/ask', headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ question }));
  });
}

/** `openaiBaseUrl` is an OpenAI-compatible server; spans go to `otlpEndpoint` as `service`. */
export async function runExample(options: {
  openaiBaseUrl: string;
  otlpEndpoint: string;
  service: string;
  questions: Question[];
}): Promise<{ run: RunResult; answers: Answer[] }> {
  let answers: Promise<Answer[]> | undefined;
  const run = await runApp({
    app: path.join(REPO, 'instrumentation', 'examples', 'ask-service.js'),
    env: {
      OPENAI_API_KEY: 'sk-fake',
      OPENAI_BASE_URL: options.openaiBaseUrl,
      PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint,
      OTEL_SERVICE_NAME: options.service,
    },
    onStdout: (stdout, kill) => {
      const port = Number(/listening on port (\d+)/.exec(stdout)?.[1]);
      if (!port || answers) return;
      answers = Promise.all(options.questions.map((question) => ask(port, question))).finally(() => kill('SIGTERM'));
    },
  });
  return { run, answers: answers ? await answers : [] };
}
