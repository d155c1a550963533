import type { PeerCertificate } from 'node:tls';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Authenticator } from '../../collector/src/receiver/otlp/auth';
import { ConnectionGuard } from '../../collector/src/receiver/otlp/connections';
import { readTokens } from '../../collector/src/processor/normalize/tokens';

const certificate = (cn: string | string[]): PeerCertificate => ({ subject: { CN: cn } }) as unknown as PeerCertificate;

describe('client certificate subjects as tenants', () => {
  const auth = new Authenticator({ tokens: [], client_certificates: true });

  it('takes a CN that is a tenant id', () => {
    expect(auth.authenticate({ certificate: certificate('acme_eu') })).toEqual({ tenantId: 'acme_eu' });
  });

  it.each([['../evil'], ['acme corp'], ['acme\u0001\nevil'], ['9acme'], ['acme/../x']])('refuses CN %j', (cn) => {
    const outcome = auth.authenticate({ certificate: certificate(cn) });
    expect(outcome).toEqual({ refused: expect.stringContaining('is not a tenant id') });
  });

  it('refuses a subject with several CNs rather than picking one', () => {
    expect(auth.authenticate({ certificate: certificate(['acme', 'globex']) })).toEqual({
      refused: expect.stringContaining('"acme,globex"'),
    });
  });
});

describe('token counts beyond the UInt32 columns', () => {
  it('reads a count past 2^32-1 as absent, and the largest storable one as is', () => {
    expect(
      readTokens({ 'gen_ai.usage.input_tokens': 5e9, 'gen_ai.usage.output_tokens': 10 }, 'openai', 'gpt-4o', true),
    ).toMatchObject({ input_tokens: null, output_tokens: 10 });
    expect(readTokens({ 'gen_ai.usage.input_tokens': 4294967295 }, 'openai', 'gpt-4o', true).input_tokens).toBe(
      4294967295,
    );
  });

  it('drops a total that only passes 2^32-1 once cache tokens are added', () => {
    const counts = readTokens(
      { 'gen_ai.usage.input_tokens': 3e9, 'gen_ai.usage.cache_read.input_tokens': 2e9 },
      'anthropic',
      'claude-sonnet-4',
      false,
    );
    expect(counts).toMatchObject({ input_tokens: null, cache_read_tokens: 2e9 });
  });
});

describe('ConnectionGuard', () => {
  let server: Server;
  let port: number;
  let guard: ConnectionGuard;
  const clients: Socket[] = [];

  const open = (): Promise<Socket> =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.on('error', () => undefined);
      socket.resume();
      clients.push(socket);
    });
  const closed = (socket: Socket): Promise<void> =>
    new Promise((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  beforeEach(async () => {
    guard = new ConnectionGuard({ maxConnections: 2, handshakeTimeoutMs: 300, keepaliveMs: 1000 });
    server = createServer((socket) => {
      guard.accept(socket);
      socket.on('error', () => undefined);
      // The "protocol": a byte "A" is an authenticated request.
      socket.on('data', (data) => data.includes('A') && guard.prove(socket.remoteAddress, socket.remotePort));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    guard.closeAll();
    await new Promise((resolve) => server.close(resolve));
  });

  it('closes a connection that carries no authenticated request within the handshake timeout', async () => {
    const idle = await open();
    const started = Date.now();
    await closed(idle);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('at the cap, closes the oldest unproven connection to let a new one in', async () => {
    const first = await open();
    await open();
    await settle();
    const third = await open();
    await closed(first);
    await settle();
    expect(third.closed).toBe(false);
    expect(guard.size).toBe(2);
  });

  it('never evicts proven connections: with all slots proven, the newcomer is closed', async () => {
    const a = await open();
    const b = await open();
    a.write('A');
    b.write('A');
    await settle();
    const late = await open();
    await closed(late);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(a.closed || b.closed).toBe(false);
  });
});
