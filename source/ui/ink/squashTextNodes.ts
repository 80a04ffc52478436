// Ink 6.8.0's squash-text-nodes.js, bundled in its place by scripts/build.mjs, with the same result.
// Stock sanitizes every text it squashes (at every level of nested texts) by tokenizing it whenever
// it holds an escape: any coloured text, every frame. A text whose only escapes are SGR sequences
// comes out of that unchanged, so here only other texts go through it.
import type {DOMElement} from '../../../node_modules/ink/build/dom.js';
import stockSanitizeAnsi from '../../../node_modules/ink/build/sanitize-ansi.js';

/**
 * Whether stock sanitizeAnsi returns `text` as it is: no C1 control, and every ESC starts
 * `ESC [ params m` with params of digits, ':' and ';' (what it keeps; all else it strips).
 */
export function keptWhole(text: string): boolean {
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code >= 0x80 && code <= 0x9f) return false;
		if (code !== 0x1b) continue;
		if (text.charCodeAt(i + 1) !== 0x5b) return false;
		let end = i + 2;
		for (let c = text.charCodeAt(end); (c >= 0x30 && c <= 0x39) || c === 0x3a || c === 0x3b; c = text.charCodeAt(++end));
		if (text.charCodeAt(end) !== 0x6d) return false;
		i = end;
	}
	return true;
}

/** sanitizeAnsi of Ink 6.8.0, without its tokenizer for texts it would keep whole. */
export const sanitizeAnsi = (text: string): string => (keptWhole(text) ? text : stockSanitizeAnsi(text));

const squashTextNodes = (node: DOMElement): string => {
	let text = '';
	for (let index = 0; index < node.childNodes.length; index++) {
		const childNode = node.childNodes[index];
		if (childNode === undefined) continue;
		let nodeText = '';
		if (childNode.nodeName === '#text') {
			nodeText = childNode.nodeValue;
		} else {
			if (childNode.nodeName === 'ink-text' || childNode.nodeName === 'ink-virtual-text') nodeText = squashTextNodes(childNode);
			// Output cannot apply a nested text's transform once the texts are joined: done here.
			if (nodeText.length > 0 && typeof childNode.internal_transform === 'function') nodeText = childNode.internal_transform(nodeText, index);
		}
		text += nodeText;
	}
	return sanitizeAnsi(text);
};

export default squashTextNodes;
