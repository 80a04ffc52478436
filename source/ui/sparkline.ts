/** A sparkline of the newest `width` values (NaN gaps drawn as spaces), scaled min..max. */
export function sparkline(values: readonly number[], width: number, chars: string): string {
	const shown = values.slice(-width);
	const finite = shown.filter(Number.isFinite);
	if (finite.length === 0) return ' '.repeat(width);
	const min = Math.min(...finite);
	const max = Math.max(...finite);
	const top = chars.length - 1;
	const line = shown
		.map(v => {
			if (!Number.isFinite(v)) return ' ';
			// A flat line above zero is drawn mid-height: at the bottom it would read as "at its lowest".
			const level = max === min ? (max === 0 ? 0 : Math.floor(top / 2)) : Math.round(((v - min) / (max - min)) * top);
			return chars[level]!;
		})
		.join('');
	return line.padStart(width);
}
