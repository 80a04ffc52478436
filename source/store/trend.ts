/** One reading of a series: when (monotonic ms) and what. */
export interface Point {
	readonly tMs: number;
	readonly value: number;
}

/**
 * The times of the samples, kept once for all the series pushed at every sample (every process's
 * RSS): five thousand processes need not each keep the same ninety times.
 */
export class Clock {
	/** A ring of the newest `capacity` times: the series read it directly, index by index (see Series.timeBase). */
	readonly times: Float64Array;
	/** Ring position of the oldest time kept, and how many are kept. */
	start = 0;
	count = 0;
	/** Samples so far; the newest is sample number `ticks`. */
	ticks = 0;
	/** The time of the newest sample (NaN before the first). */
	lastMs = Number.NaN;

	constructor(readonly capacity: number) {
		this.times = new Float64Array(capacity);
	}

	/** A new sample taken at tMs: push the series of this sample after this. */
	advance(tMs: number): void {
		if (this.count < this.capacity) this.times[(this.start + this.count++) % this.capacity] = tMs;
		else {
			this.times[this.start] = tMs;
			this.start = (this.start + 1) % this.capacity;
		}
		this.lastMs = tMs;
		this.ticks++;
	}

	/**
	 * The slope a still series (see Series.slopePerMin) read last at this sample, and what it was
	 * read with: every still series of a count on this clock has the same, so most processes and
	 * slab caches, which sit still, share one computation per tick.
	 */
	stillSlope: number | null = null;
	stillTicks = -1;
	stillCount = 0;
	stillSinceMs = Number.NaN;
	stillMinSpanMs = Number.NaN;

	/** Time of sample number `tick`, which must be among the last `capacity` ones. */
	timeOf(tick: number): number {
		return this.times[(this.start + this.count - 1 - (this.ticks - tick)) % this.capacity]!;
	}
}

/**
 * Times and values with a fixed capacity: the store's and the drill views' history. NaN = no value.
 * Most series sit still and are pushed at every sample, so a series keeps no times of its own while
 * its points are the clock's newest samples, and no values while they are all the same number: a
 * quiet process's history is a few fields, not two buffers of `capacity` numbers.
 */
export class Series {
	/** The times of the points when they are not the clock's (null: see lastTick). */
	private times: Float64Array | null = null;
	/** The values of the points, null while they all equal `flat`. */
	private values: Float64Array | null = null;
	private flat = Number.NaN;
	/** Ring position of the oldest point, in both arrays. */
	private start = 0;
	private count = 0;
	/** The clock sample of the newest point, and how many of the newest points are consecutive samples ending there. */
	private lastTick = -1;
	private clockRun = 0;
	/** How many of the newest values are the same finite number: most processes sit still. */
	private run = 0;
	/** Times arrive in order (a monotonic clock): the window's start can be found by bisection. */
	private ordered = true;
	private lastTime = Number.NaN;
	private tailCache: number[] | null = null;
	private tailLength = 0;
	/** Values pushed so far: the push number of the i-th point kept is pushes − length + i. */
	private pushes = 0;
	/**
	 * The Point objects the widest recent points() call handed out, and the push number of the
	 * first: the next call hands the same objects out again and makes only the newer ones (the
	 * verdict rules read a few hundred points of a dozen series every tick).
	 */
	private shared: Point[] = [];
	private sharedFrom = 0;

	/** With a clock, pushes at its newest sample keep no times of their own. */
	constructor(
		readonly capacity: number,
		private readonly clock: Clock | null = null,
	) {}

	get length(): number {
		return this.count;
	}

	push(tMs: number, value: number | null): void {
		const clock = this.clock;
		this.put(tMs, value, clock !== null && clock.ticks > 0 && clock.lastMs === tMs);
	}

	/**
	 * push at the clock's newest sample: the time is read from the clock, not passed (a double
	 * passed to a call that is not inlined would be boxed afresh for every series pushed).
	 */
	pushAtClock(value: number | null): void {
		this.put(0, value, true);
	}

	/** push; with onClock, tMs is not read (the clock's newest time is the point's). */
	private put(tMs: number, value: number | null, onClock: boolean): void {
		const clock = this.clock;
		const t = onClock ? clock!.lastMs : tMs;
		const v = value ?? Number.NaN;
		if (this.count > 0 && t < this.lastTime) this.ordered = false;
		this.lastTime = t;
		const last = this.count === 0 ? Number.NaN : this.valueAt(this.count - 1);
		this.run = !Number.isFinite(v) ? 0 : v === last ? Math.min(this.run + 1, this.capacity) : 1;
		// A full cached tail of equal values is still right when one more equal value arrives.
		if (this.tailCache && !(this.tailCache.length === this.tailLength && this.run > this.tailLength)) this.tailCache = null;
		// The usual push: a full still run on the clock gets its value again at the next sample.
		// Only the ring moves on; the fields below would all come out as they are.
		if (onClock && this.times === null && this.values === null && this.count === this.capacity && this.run === this.capacity && this.lastTick === clock!.ticks - 1 && Object.is(v, this.flat)) {
			this.clockRun = Math.min(this.clockRun + 1, this.capacity);
			this.lastTick = clock!.ticks;
			this.start = (this.start + 1) % this.capacity;
			this.pushes++;
			return;
		}
		const next = onClock && this.clockRun > 0 && this.lastTick === clock!.ticks - 1;
		// A point off the clock (or after a gap) needs times of the series' own, the older ones first.
		if (this.times === null && !(onClock && (next || this.count === 0))) this.times = this.copyTimes();
		this.clockRun = !onClock ? 0 : next ? Math.min(this.clockRun + 1, this.capacity) : 1;
		if (onClock) this.lastTick = clock!.ticks;
		const at = this.count < this.capacity ? (this.start + this.count) % this.capacity : this.start;
		if (this.times !== null) this.times[at] = t;
		if (this.values === null && this.count > 0 && !Object.is(v, this.flat)) this.values = new Float64Array(this.capacity).fill(this.flat);
		if (this.values !== null) this.values[at] = v;
		else this.flat = v;
		if (this.count < this.capacity) this.count++;
		else this.start = (this.start + 1) % this.capacity;
		this.pushes++;
		// Back to a still run at the clock's samples: the buffers go.
		if (this.times !== null && this.clockRun >= this.count) this.times = null;
		if (this.values !== null && this.run >= this.count) {
			this.values = null;
			this.flat = v;
		}
	}

	/**
	 * Copies the clock's times into the series: the store calls it when a series stops being pushed
	 * at every sample (its process has exited), before the clock forgets them.
	 */
	unclock(): void {
		if (this.times === null && this.count > 0) this.times = this.copyTimes();
		this.clockRun = 0;
	}

	/** The newest value; undefined when empty. */
	last(): number | undefined {
		return this.count === 0 ? undefined : this.valueAt(this.count - 1);
	}

	/** Time of the i-th point from the oldest (0). */
	timeAt(i: number): number {
		return this.times !== null ? this.times[(this.start + i) % this.capacity]! : this.clock!.times[(this.timeBase() + i) % this.clock!.capacity]!;
	}

	/**
	 * Where the oldest point's time is in the ring that holds the times (the series' own or the
	 * clock's): the loops that read times index that ring themselves, as a time returned by a call
	 * that is not inlined is a boxed number, one per point read.
	 */
	private timeBase(): number {
		if (this.times !== null) return this.start;
		const clock = this.clock!;
		return clock.start + clock.count - this.count - (clock.ticks - this.lastTick);
	}

	/** Value of the i-th point from the oldest (0). */
	valueAt(i: number): number {
		return this.values !== null ? this.values[(this.start + i) % this.capacity]! : this.flat;
	}

	/** The newest n values, oldest first; the same array while they do not change (treat it as read-only). */
	tail(n: number): number[] {
		if (this.tailCache && this.tailLength === n) return this.tailCache;
		const from = Math.max(0, this.count - n);
		const out = new Array<number>(this.count - from);
		for (let i = from; i < this.count; i++) out[i - from] = this.valueAt(i);
		this.tailLength = n;
		this.tailCache = out;
		return out;
	}

	/**
	 * Least-squares slope per minute over points newer than sinceMs, without allocating; null
	 * until the points span minSpanMs (three samples a second apart say nothing per minute).
	 */
	slopePerMin(sinceMs: number, minSpanMs = 0): number | null {
		const length = this.count;
		if (length === 0) return null;
		// Still: ordered, every value the same finite number, every time one of the clock's samples up
		// to its newest. The slope then depends on the clock and the arguments alone (see Clock.stillSlope).
		const clock = this.clock;
		const still = clock !== null && this.times === null && this.ordered && this.run >= length && this.lastTick === clock.ticks;
		if (still && clock.stillTicks === clock.ticks && clock.stillCount === length && clock.stillSinceMs === sinceMs && clock.stillMinSpanMs === minSpanMs) return clock.stillSlope;
		const slope = this.computeSlopePerMin(sinceMs, minSpanMs);
		if (still) {
			clock.stillSlope = slope;
			clock.stillTicks = clock.ticks;
			clock.stillCount = length;
			clock.stillSinceMs = sinceMs;
			clock.stillMinSpanMs = minSpanMs;
		}
		return slope;
	}

	private computeSlopePerMin(sinceMs: number, minSpanMs: number): number | null {
		const length = this.count;
		const from = this.ordered ? this.firstAtOrAfter(sinceMs) : 0;
		const times = this.times ?? this.clock!.times;
		const ring = this.times !== null ? this.capacity : this.clock!.capacity;
		const base = this.timeBase();
		if (this.ordered && this.run >= length - from) {
			// Every value in the window is the same: flat, with no arithmetic over the points.
			const n = length - from;
			const span = n > 0 ? times[(base + length - 1) % ring]! - times[(base + from) % ring]! : 0;
			return n < 3 || span <= 0 || span < minSpanMs ? null : 0;
		}
		const values = this.values;
		const flat = this.flat;
		let n = 0;
		let t0 = 0;
		let v0 = 0;
		let sumT = 0;
		let sumV = 0;
		let sumTT = 0;
		let sumTV = 0;
		let first = Infinity;
		let last = -Infinity;
		for (let i = from; i < length; i++) {
			const tMs = times[(base + i) % ring]!;
			const value = values !== null ? values[(this.start + i) % this.capacity]! : flat;
			if (tMs < sinceMs || !Number.isFinite(value)) continue;
			if (n === 0) {
				t0 = tMs;
				v0 = value;
			}
			const t = tMs - t0;
			const v = value - v0;
			n++;
			sumT += t;
			sumV += v;
			sumTT += t * t;
			sumTV += t * v;
			first = Math.min(first, tMs);
			last = Math.max(last, tMs);
		}
		if (n < 3 || last <= first || last - first < minSpanMs) return null;
		const den = n * sumTT - sumT * sumT;
		return den === 0 ? null : ((n * sumTV - sumT * sumV) / den) * 60_000;
	}

	/** Points newer than sinceMs (shared with other calls: points are immutable, the array is the caller's). */
	points(sinceMs = -Infinity): Point[] {
		const length = this.count;
		if (!this.ordered) {
			const out: Point[] = [];
			for (let i = 0; i < length; i++) {
				const tMs = this.timeAt(i);
				if (tMs >= sinceMs) out.push({tMs, value: this.valueAt(i)});
			}
			return out;
		}
		const from = this.firstAtOrAfter(sinceMs);
		const first = this.pushes - length;
		const out = new Array<Point>(length - from);
		for (let i = from; i < length; i++) {
			const k = first + i - this.sharedFrom;
			out[i - from] = k >= 0 && k < this.shared.length ? this.shared[k]! : {tMs: this.timeAt(i), value: this.valueAt(i)};
		}
		// A narrower call in between (a sparkline) must not evict the verdicts' wider window.
		const stale = this.sharedFrom + this.shared.length < this.pushes - 1;
		if (out.length + 2 >= this.shared.length || stale) {
			const shared = this.shared;
			const gone = first + from - this.sharedFrom;
			// The usual tick: the window slid on. The kept points move along in place (shift trims the
			// front of a large array without copying it) instead of a copy of every point each call.
			if (!stale && gone >= 0 && gone <= shared.length && shared.length - gone <= out.length) {
				for (let k = 0; k < gone; k++) shared.shift();
				for (let k = shared.length; k < out.length; k++) shared.push(out[k]!);
			} else {
				this.shared = out.slice();
			}
			this.sharedFrom = first + from;
		}
		return out;
	}

	/** Index of the oldest point at or after tMs (length when none), for ordered times. */
	private firstAtOrAfter(tMs: number): number {
		if (this.count === 0) return 0;
		const times = this.times ?? this.clock!.times;
		const ring = this.times !== null ? this.capacity : this.clock!.capacity;
		const base = this.timeBase();
		// The usual case: the window reaches back past the oldest point kept.
		if (times[base % ring]! >= tMs) return 0;
		let lo = 0;
		let hi = this.count;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (times[(base + mid) % ring]! < tMs) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}

	/** The points' times, read from the clock into a buffer of the series' own. */
	private copyTimes(): Float64Array {
		const times = new Float64Array(this.capacity);
		if (this.count === 0) return times;
		const clock = this.clock!;
		const base = this.timeBase();
		for (let i = 0; i < this.count; i++) times[(this.start + i) % this.capacity] = clock.times[(base + i) % clock.capacity]!;
		return times;
	}
}
