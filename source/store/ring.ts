/** A fixed-capacity series of numbers: history that can never grow without bound. NaN = no value. */
export class Ring {
	private readonly values: Float64Array;
	private start = 0;
	private count = 0;

	constructor(readonly capacity: number) {
		this.values = new Float64Array(capacity);
	}

	get length(): number {
		return this.count;
	}

	push(value: number): void {
		if (this.count < this.capacity) {
			this.values[(this.start + this.count) % this.capacity] = value;
			this.count++;
		} else {
			this.values[this.start] = value;
			this.start = (this.start + 1) % this.capacity;
		}
	}

	/** i-th value from the oldest (0) to the newest (length − 1). */
	at(i: number): number {
		return this.values[(this.start + i) % this.capacity]!;
	}

	last(): number | undefined {
		return this.count === 0 ? undefined : this.at(this.count - 1);
	}

	/** The newest n values (all when n is larger), oldest first. */
	tail(n = this.count): number[] {
		const from = Math.max(0, this.count - n);
		const out = new Array<number>(this.count - from);
		for (let i = from; i < this.count; i++) out[i - from] = this.at(i);
		return out;
	}
}
