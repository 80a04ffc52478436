import {Text} from './Text.js';
import {fit} from '../text.js';
import {useTheme} from '../ThemeContext.js';

/** One line of a drill view's heading, coloured by a theme token. */
export interface ToneLine {
	text: string;
	tone?: 'warn' | 'bad' | 'muted' | 'accent';
}

/** Heading lines, each cut to the width. */
export function ToneLines({lines, width}: {lines: readonly ToneLine[]; width: number}) {
	const theme = useTheme();
	return (
		<>
			{lines.map((line, i) => (
				<Text key={i} wrap="truncate" color={line.tone ? theme[line.tone] : undefined}>
					{fit(line.text, width)}
				</Text>
			))}
		</>
	);
}
