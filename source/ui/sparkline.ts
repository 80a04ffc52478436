// Glyphs of each character set, one string each: indexing a string for a character outside Latin-1
// makes a new string every time, and a sparkline is drawn for every visible row every frame.
const glyphSets = new Map<string, string[]>();
// The glyphs of the line being drawn, kept between calls: join makes the only new string.
const glyphs: string[] = [];

/** A sparkline of the newest `width` values (NaN gaps drawn as spaces), scaled min..max. */
export function sparkline(values: readonly number[], width: number, chars: string): string {
	// Where values.slice(-width) starts (all of it for width 0).
	const from = width > 0 ? Math.max(values.length - width, 0) : 0;
	let min = Infinity;
	let max = -Infinity;
	for (let i = from; i < values.length; i++) {
		const v = values[i]!;
		if (!Number.isFinite(v)) continue;
		min = Math.min(min, v);
		max = Math.max(max, v);
	}
	if (min === Infinity) return ' '.repeat(width);
	let set = glyphSets.get(chars);
	if (set === undefined) {
		set = Array.from({length: chars.length}, (_, i) => chars[i]!);
		glyphSets.set(chars, set);
	}
	const top = chars.length - 1;
	glyphs.length = 0;
	for (let i = from; i < values.length; i++) {
		const v = values[i]!;
		if (!Number.isFinite(v)) {
			glyphs.push(' ');
			continue;
		}
		// A flat line above zero is drawn mid-height: at the bottom it would read as "at its lowest".
		const level = max === min ? (max === 0 ? 0 : Math.floor(top / 2)) : Math.round(((v - min) / (max - min)) * top);
		glyphs.push(set[level]!);
	}
	return glyphs.join('').padStart(width);
}
