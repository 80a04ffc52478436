/** Named colour tokens: components never name a colour, so NO_COLOR is one switch. */
export interface Theme {
	accent?: string;
	muted?: string;
	good?: string;
	warn?: string;
	bad?: string;
	/** Whether the selected row is drawn inverse (kept even without colour: it is not a colour). */
	inverse: boolean;
	/** Block characters for sparklines; TERM=dumb gets ASCII. */
	sparkChars: string;
}

const BLOCKS = '▁▂▃▄▅▆▇█';
const ASCII = '_.-=+*#@';

/** The theme for this terminal: colour unless NO_COLOR / --no-color / TERM=dumb. */
export function makeTheme(color: boolean, term = process.env.TERM): Theme {
	const dumb = term === 'dumb';
	if (!color || dumb) return {inverse: true, sparkChars: dumb ? ASCII : BLOCKS};
	return {accent: 'cyan', muted: 'gray', good: 'green', warn: 'yellow', bad: 'red', inverse: true, sparkChars: BLOCKS};
}
