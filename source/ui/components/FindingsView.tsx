import {Box, Text} from 'ink';
import type {Finding} from '../../diagnose/finding.js';
import {fit} from '../text.js';
import {useTheme} from '../ThemeContext.js';

const TONE = {critical: 'bad', warning: 'warn', info: 'good'} as const;

/** Every verdict with its evidence and what to look at next. */
export function FindingsView({findings, width, height, offset}: {findings: Finding[]; width: number; height: number; offset: number}) {
	const theme = useTheme();
	const lines: Array<{text: string; tone?: 'bad' | 'warn' | 'good' | 'muted'; bold?: boolean}> = [];
	for (const f of findings) {
		lines.push({text: `${f.severity.toUpperCase()} ${Math.round(f.confidence * 100)}%  ${f.message}`, tone: TONE[f.severity], bold: true});
		const evidence = Object.entries(f.evidence)
			.map(([k, v]) => `${k}=${v ?? 'n/a'}`)
			.join('  ');
		if (evidence) lines.push({text: `    ${evidence}`, tone: 'muted'});
		if (f.next) lines.push({text: `    → ${f.next}`});
	}
	if (lines.length === 0) lines.push({text: 'No verdicts yet: trends need a few minutes of history before they speak.', tone: 'muted'});
	return (
		<Box flexDirection="column" height={height}>
			<Text bold color={theme.accent}>
				{fit(`Verdicts (${findings.length}) — Esc to go back`, width)}
			</Text>
			{lines.slice(offset, offset + height - 1).map((line, i) => (
				<Text key={i} color={line.tone ? theme[line.tone] : undefined} bold={line.bold} wrap="truncate">
					{fit(line.text, width)}
				</Text>
			))}
		</Box>
	);
}
