// The server's clock as seen from this browser. The timer is computed against server time so
// two participants with skewed clocks still see the same time left.
export class ServerClock {
  constructor() {
    this.offset = 0; // server time minus local time, ms
    this.reset();
  }

  // Called for each new socket: it may reach another server, and the local clock may have
  // been stepped since.
  reset() {
    this.bestRoundTrip = Infinity;
  }

  // A server timestamp received with no round trip known (snapshot, broadcast).
  observe(serverNow) {
    if (this.bestRoundTrip === Infinity) this.offset = serverNow - Date.now();
  }

  // A ping answered: the reply was stamped about halfway through the round trip. The
  // fastest round trip on this socket gives the tightest bound, so slower ones are ignored.
  observeRoundTrip(sentAt, serverNow, receivedAt) {
    const roundTrip = receivedAt - sentAt;
    if (roundTrip <= this.bestRoundTrip) {
      this.bestRoundTrip = roundTrip;
      this.offset = serverNow - (sentAt + roundTrip / 2);
    }
  }

  now() {
    return Date.now() + this.offset;
  }
}
