/* minimomen: a small GraphQL-over-WebSocket client (protocol graphql-transport-ws).
   One connection per page; subscriptions survive drops: the client reconnects with
   backoff and subscribes again, and the server answers with the current result.
   A connection the server closed because the login expired (4403) is not retried. */
(function (MM) {
  "use strict";

  const PROTOCOL = "graphql-transport-ws";
  const MAX_DELAY_MS = 5000;
  const FORBIDDEN = 4403; // the server ends a connection whose token expired or was revoked

  class LiveClient {
    constructor(url, { onStatus } = {}) {
      this.url = url;
      this.onStatus = onStatus || (() => {});
      this.subscriptions = new Map(); // id -> {payload, onNext, onError}
      this.socket = null;
      this.ready = false;
      this.attempt = 0;
      this.counter = 0;
      this.timer = null;
      this.closed = false;
    }

    subscribe(payload, onNext, onError) {
      const id = `s${++this.counter}`;
      this.subscriptions.set(id, { payload, onNext, onError });
      if (this.ready) this.send({ id, type: "subscribe", payload });
      else this.connect();
      return () => this.unsubscribe(id);
    }

    unsubscribe(id) {
      if (!this.subscriptions.delete(id)) return;
      if (this.ready) this.send({ id, type: "complete" });
    }

    send(message) {
      if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
    }

    connect() {
      if (this.closed || this.socket || this.timer) return;
      let socket;
      try {
        socket = new WebSocket(this.url, PROTOCOL);
      } catch (error) {
        this.scheduleReconnect();
        return;
      }
      this.socket = socket;
      socket.addEventListener("open", () => this.send({ type: "connection_init", payload: {} }));
      socket.addEventListener("message", (event) => this.receive(event.data));
      socket.addEventListener("close", (event) => {
        const wasReady = this.ready;
        this.socket = null;
        this.ready = false;
        if (event.code === FORBIDDEN) {
          // the login behind this page expired or was revoked: retrying cannot help
          this.closed = true;
          this.onStatus("expired");
          return;
        }
        if (wasReady || this.attempt > 0) this.onStatus("offline");
        this.scheduleReconnect();
      });
      socket.addEventListener("error", () => { /* a close event follows */ });
    }

    scheduleReconnect() {
      if (this.closed || this.timer || this.subscriptions.size === 0) return;
      const base = Math.min(MAX_DELAY_MS, 250 * 2 ** this.attempt);
      this.attempt += 1;
      const delay = base / 2 + Math.random() * (base / 2);
      this.timer = setTimeout(() => { this.timer = null; this.connect(); }, delay);
    }

    receive(raw) {
      let message;
      try { message = JSON.parse(raw); } catch (error) { return; }
      const sub = message.id ? this.subscriptions.get(message.id) : null;
      switch (message.type) {
        case "connection_ack":
          this.ready = true;
          this.attempt = 0;
          this.onStatus("online");
          for (const [id, entry] of this.subscriptions) this.send({ id, type: "subscribe", payload: entry.payload });
          break;
        case "ping":
          this.send({ type: "pong" });
          break;
        case "next":
          if (sub) sub.onNext(message.payload || {});
          break;
        case "error":
          if (sub) sub.onError(message.payload);
          break;
        case "complete":
          break; // the server ended this operation; it is sent again after a reconnect
        default:
          break;
      }
    }

    close() {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      if (this.socket) this.socket.close(1000, "page closed");
    }
  }

  MM.LiveClient = LiveClient;
})(window.MiniMomen = window.MiniMomen || {});
