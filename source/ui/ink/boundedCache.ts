/**
 * A memo that never holds more than about 2 × `limit` entries: when the current generation is full it
 * becomes the previous one and the older generation is dropped. An entry read from the previous
 * generation moves to the current one, so what every frame needs stays, and what changed a minute
 * ago goes. (Ink's own text caches are plain Maps that keep every string ever drawn; leaktop draws
 * new figures every second for days.)
 */
export class BoundedCache<V> {
	private current = new Map<string, V>();
	private previous = new Map<string, V>();

	constructor(private readonly limit: number) {}

	/** The cached value for `key`, or undefined. */
	get(key: string): V | undefined {
		const value = this.current.get(key);
		if (value !== undefined) return value;
		const old = this.previous.get(key);
		if (old !== undefined) this.set(key, old);
		return old;
	}

	/** Remembers `value` for `key`. */
	set(key: string, value: V): void {
		if (this.current.size >= this.limit) {
			this.previous = this.current;
			this.current = new Map();
		}
		this.current.set(key, value);
	}

	/** How many entries are held (both generations; a key may be counted twice). */
	get size(): number {
		return this.current.size + this.previous.size;
	}
}
