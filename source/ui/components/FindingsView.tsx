import {Box} from 'ink';
import {Text} from './Text.js';
import type {Table as InkTable} from 'ink-table';
import {useEffect, useState} from 'react';
import type {Finding} from '../../diagnose/finding.js';
import {fit} from '../text.js';
import {useTheme} from '../ThemeContext.js';

const TONE = {critical: 'bad', warning: 'warn', info: 'good'} as const;
/** Up to this many verdicts are summarised in a table above the details. */
const SUMMARY_MAX = 4;

/** ink-table brings object-hash, which loads node:crypto (~10 ms): it loads when this view first opens, not with the screen. */
let loadedTable: typeof InkTable | undefined;

function useSummaryTable(): typeof InkTable | undefined {
	const [table, setTable] = useState(() => loadedTable);
	useEffect(() => {
		if (table) return;
		let mounted = true;
		void import('ink-table').then(module => {
			loadedTable = module.Table;
			if (mounted) setTable(() => module.Table);
		});
		return () => {
			mounted = false;
		};
	}, [table]);
	return table;
}

/** Every verdict with its evidence and what to look at next. */
export function FindingsView({findings, width, height, offset}: {findings: Finding[]; width: number; height: number; offset: number}) {
	const theme = useTheme();
	const SummaryTable = useSummaryTable();
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
	// A few verdicts get a boxed summary first (ink-table: small and static, unlike the live tables).
	const summaryHeight = 2 * findings.length + 3;
	const summary = SummaryTable !== undefined && findings.length > 0 && findings.length <= SUMMARY_MAX && height - 1 - summaryHeight >= 4 && width >= 60;
	const subjectWidth = Math.max(10, width - 50);
	const rows = summary
		? findings.map(f => ({severity: f.severity, sure: `${Math.round(f.confidence * 100)}%`, rule: f.rule, about: fit(f.subject, subjectWidth).trimEnd()}))
		: [];
	return (
		<Box flexDirection="column" height={height}>
			<Text bold color={theme.accent}>
				{fit(`Verdicts (${findings.length}) — Esc to go back`, width)}
			</Text>
			{summary ? <SummaryTable data={rows} /> : null}
			{lines.slice(offset, offset + height - 1 - (summary ? summaryHeight : 0)).map((line, i) => (
				<Text key={i} color={line.tone ? theme[line.tone] : undefined} bold={line.bold} wrap="truncate">
					{fit(line.text, width)}
				</Text>
			))}
		</Box>
	);
}
