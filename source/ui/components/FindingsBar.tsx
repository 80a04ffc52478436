import {Text} from './Text.js';
import type {Finding} from '../../diagnose/finding.js';
import {clip} from '../text.js';
import {useTheme} from '../ThemeContext.js';

const TONE = {critical: 'bad', warning: 'warn', info: 'good'} as const;

/** The most important verdict, always visible; `v` lists them all. */
export function FindingsBar({findings, width, watchingSec}: {findings: Finding[]; width: number; watchingSec: number}) {
	const theme = useTheme();
	const top = findings[0];
	if (!top) {
		return <Text color={theme.muted}>{clip(`✓ no leak suspected (watching ${Math.round(watchingSec)}s)`, width)}</Text>;
	}
	const more = findings.length > 1 ? `  (+${findings.length - 1} more: v)` : '';
	return (
		<Text color={theme[TONE[top.severity]]} bold wrap="truncate">
			{clip(`${top.severity === 'info' ? 'ℹ' : '⚠'} ${top.message}${more}`, width)}
		</Text>
	);
}
