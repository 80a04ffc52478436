import {formatBytes} from '../units.js';
import type {PostmortemReport} from './report.js';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Available memory over the recording as a small SVG line chart, for where a terminal cannot show it. */
export function availableSvg(report: PostmortemReport, width = 720, height = 240): string {
	const points = report.availableTimeline;
	const pad = {left: 70, right: 16, top: 28, bottom: 36};
	const w = width - pad.left - pad.right;
	const h = height - pad.top - pad.bottom;
	const values = points.map(p => p.availableBytes);
	const max = Math.max(...values, 1);
	const min = Math.min(...values, max);
	const span = max - min || 1;
	const t0 = points[0]?.timeMs ?? 0;
	const tSpan = (points.at(-1)?.timeMs ?? 1) - t0 || 1;
	const path = points
		.map((p, i) => `${i === 0 ? 'M' : 'L'}${(pad.left + ((p.timeMs - t0) / tSpan) * w).toFixed(1)},${(pad.top + (1 - (p.availableBytes - min) / span) * h).toFixed(1)}`)
		.join(' ');
	const label = (ms: number) => new Date(ms).toISOString().slice(11, 19);
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="12">`,
		`<rect width="100%" height="100%" fill="#111"/>`,
		`<text x="${pad.left}" y="18" fill="#ddd">${escape(`available memory — ${report.host.hostname}`)}</text>`,
		`<line x1="${pad.left}" y1="${pad.top + h}" x2="${pad.left + w}" y2="${pad.top + h}" stroke="#666"/>`,
		`<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${pad.top + h}" stroke="#666"/>`,
		`<text x="${pad.left - 6}" y="${pad.top + 4}" fill="#aaa" text-anchor="end">${formatBytes(max)}</text>`,
		`<text x="${pad.left - 6}" y="${pad.top + h}" fill="#aaa" text-anchor="end">${formatBytes(min)}</text>`,
		`<text x="${pad.left}" y="${height - 12}" fill="#aaa">${label(t0)}</text>`,
		`<text x="${pad.left + w}" y="${height - 12}" fill="#aaa" text-anchor="end">${label(t0 + tSpan)}</text>`,
		`<path d="${path}" fill="none" stroke="#4ec9b0" stroke-width="1.5"/>`,
		'</svg>',
		'',
	].join('\n');
}
