/** The last `cap` bytes of a stream, with a count of what was dropped before them. */
export const LOG_TAIL_BYTES = 64 * 1024;

export class OutputTail {
  private chunks: Buffer[] = [];
  private len = 0;
  total = 0;

  constructor(private readonly cap = LOG_TAIL_BYTES) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (chunk.length >= this.cap) {
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.cap))];
      this.len = this.cap;
      return;
    }
    this.chunks.push(chunk);
    this.len += chunk.length;
    while (this.len - (this.chunks[0] as Buffer).length >= this.cap) this.len -= (this.chunks.shift() as Buffer).length;
  }

  /** The kept text (invalid UTF-8 becomes U+FFFD, NUL is replaced), prefixed by a marker when bytes were dropped. */
  text(): string {
    let buf = Buffer.concat(this.chunks, this.len);
    if (buf.length > this.cap) buf = buf.subarray(buf.length - this.cap);
    const dropped = this.total - buf.length;
    const body = buf.toString('utf8').replace(/\u0000/g, '\uFFFD');
    return dropped > 0 ? `[dials: ${dropped} earlier bytes not kept]\n${body}` : body;
  }
}
