import type {Finding} from './finding.js';

const evidenceValue = (value: number | string | null) => (value === null ? 'n/a' : String(value));

/** One finding as a few plain-text lines: verdict, evidence, what to do next. */
export function formatFinding(finding: Finding, note = ''): string {
	const lines = [`[${finding.severity}] ${finding.rule}  ${finding.subject}  confidence ${finding.confidence.toFixed(2)}${note ? `  (${note})` : ''}`, `  ${finding.message}`];
	const evidence = Object.entries(finding.evidence).map(([key, value]) => `${key}=${evidenceValue(value)}`);
	if (evidence.length > 0) lines.push(`  evidence: ${evidence.join(' ')}`);
	if (finding.next) lines.push(`  next: ${finding.next}`);
	return `${lines.join('\n')}\n`;
}
