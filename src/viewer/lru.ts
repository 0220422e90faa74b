// The viewer's payload cache: a least-recently-used map bounded both by entry
// count and by total bytes, so that stepping back and forth between a few
// pairs costs no re-reads while memory stays bounded however large the pairs.

/** Keeps at most `capacity` entries (and at most `maxBytes` in total), least recently used out first. */
export class LruCache<V> {
  private readonly map = new Map<string, { value: V; bytes: number }>();
  private bytes = 0;
  constructor(
    private readonly capacity: number,
    private readonly maxBytes: number,
  ) {}

  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V, bytes: number): void {
    const old = this.map.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.map.delete(key);
    }
    if (bytes > this.maxBytes) return;
    this.map.set(key, { value, bytes });
    this.bytes += bytes;
    while (this.map.size > this.capacity || this.bytes > this.maxBytes) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      const entry = this.map.get(oldest.value);
      this.map.delete(oldest.value);
      this.bytes -= entry?.bytes ?? 0;
    }
  }

  get size(): number {
    return this.map.size;
  }
}
