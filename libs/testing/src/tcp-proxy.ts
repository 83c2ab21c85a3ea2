import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL (127.0.0.1 only), so that a test can take
 * the database away from the service under test, for real, without stopping
 * the server the other tests use: `down()` refuses new connections and cuts
 * the open ones (the service sees ECONNREFUSED and "Connection terminated",
 * as in a restart), `up()` lets it reconnect on the same port.
 * `cutSilently()` cuts the open connections' server side without the
 * client hearing of it until it next sends (a connection found dead on use).
 * `holdReplies()` keeps what the server answers from reaching the service
 * (statements still run) until `releaseReplies()`: a query stays in flight
 * for as long as a test needs.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private held: { client: Socket; chunk: Buffer }[] | null = null;
  /** Each open connection's client side and its server side. */
  private readonly pairs = new Map<Socket, Socket>();
  /** Client sides whose server side was cut silently (see cutSilently). */
  private readonly silent = new WeakSet<Socket>();

  private constructor(
    private readonly target: { host: string; port: number },
    private listenPort: number,
  ) {}

  /** A started proxy to the server of `url` (a postgres:// URL); `proxy.url(url)` is `url` through it. */
  static async start(url: string): Promise<TcpProxy> {
    const { hostname, port } = new URL(url);
    const proxy = new TcpProxy({ host: hostname, port: Number(port || 5432) }, 0);
    await proxy.up();
    return proxy;
  }

  get port(): number {
    return this.listenPort;
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string {
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String(this.listenPort);
    return through.toString();
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined); // the other side is cut below
      }
      client.pipe(upstream).on('close', () => {
        if (!this.silent.has(client)) client.destroy();
      });
      upstream.on('data', (chunk: Buffer) => {
        if (this.held) this.held.push({ client, chunk });
        else client.write(chunk);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => {
        if (!this.silent.has(client)) client.destroy();
      });
      this.pairs.set(client, upstream);
      client.on('close', () => this.pairs.delete(client));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
    this.listenPort = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** From now on, the server's answers are kept here instead of passed on. */
  holdReplies(): void {
    this.held ??= [];
  }

  /** Bytes of answers kept since holdReplies(). */
  get heldBytes(): number {
    return (this.held ?? []).reduce((sum, { chunk }) => sum + chunk.length, 0);
  }

  /** Passes on the answers kept, in order, and stops holding. */
  releaseReplies(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const { client, chunk } of held) if (!client.destroyed) client.write(chunk);
  }

  /**
   * Every open connection loses its server side (the backend sees its client
   * go away and ends), while the client side stays open and hears nothing,
   * as with a server that vanished without a FIN reaching the client: the
   * client finds out only when it next sends, and then its connection is
   * reset before a byte reaches any server. New connections go through as
   * usual. Returns how many connections were cut.
   */
  cutSilently(): number {
    let cut = 0;
    for (const [client, upstream] of this.pairs) {
      this.silent.add(client);
      client.unpipe(upstream);
      upstream.destroy();
      client.once('data', () => client.resetAndDestroy());
      client.resume(); // unpipe paused it
      cut++;
    }
    return cut;
  }

  /** Refuses new connections and resets every open one. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.down();
  }
}
