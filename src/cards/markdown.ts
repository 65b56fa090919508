/**
 * Escaping for text placed in card Markdown. Patient-derived strings (codes'
 * display text, free-text values) must not become Markdown or HTML: clients
 * render Markdown, some render raw HTML.
 */
export function escapeMarkdown(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  const s = text
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
  return s.replace(/([\\`*_[\]{}#|~!])/g, '\\$1');
}
