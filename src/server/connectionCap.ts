/**
 * The server's cap on open connections, kept so that slow clients cannot lock out fast ones.
 *
 * Node's own `server.maxConnections` refuses new connections once the cap is reached: 600 clients
 * that open a connection and never finish their headers then lock out every valid request until
 * the header timeout frees them. Here a new connection is always accepted; when that puts the
 * server over the cap, connections that have not finished sending their request headers are closed,
 * oldest first (a keep-alive connection waiting for its next request counts as one, since its last
 * answer). A connection whose request is being read or answered is never closed for the cap; when
 * every other connection is busy, the new one is the one closed.
 *
 * The header timeout (--headers-timeout) still closes a slow client on its own. No `vscode` import.
 */
import type http from "node:http";
import type { Socket } from "node:net";

export interface ConnectionCapOptions {
  max: number;
  /** Called once per connection closed for the cap. */
  onEvict?: (reason: "oldest-waiting" | "all-busy") => void;
}

export class ConnectionCap {
  /** Open connections still sending request headers (or idle between requests), oldest first (a Set keeps insertion order). */
  private readonly waiting = new Set<Socket>();
  private readonly busy = new Set<Socket>();
  /** Connections closed for the cap, since the start. */
  evicted = 0;

  constructor(private readonly options: ConnectionCapOptions) {}

  /** Open connections (waiting + busy). */
  get open(): number {
    return this.waiting.size + this.busy.size;
  }

  /** Wires the cap to `server`: call before it listens. */
  attach(server: http.Server): void {
    server.on("connection", (socket: Socket) => this.onConnection(socket));
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
      const socket = req.socket;
      if (!this.waiting.delete(socket) && !this.busy.has(socket)) return; // closed meanwhile
      this.busy.add(socket);
      res.once("close", () => {
        if (!this.busy.delete(socket) || socket.destroyed) return;
        this.waiting.add(socket); // keep-alive: idle until its next request, newest of the waiting
      });
    });
  }

  private onConnection(socket: Socket): void {
    this.waiting.add(socket);
    socket.once("close", () => {
      this.waiting.delete(socket);
      this.busy.delete(socket);
    });
    while (this.open > this.options.max) {
      const oldest = this.waiting.values().next().value as Socket | undefined;
      if (!oldest) break;
      this.waiting.delete(oldest);
      this.evicted++;
      this.options.onEvict?.(oldest === socket ? "all-busy" : "oldest-waiting");
      oldest.destroy();
    }
  }
}
