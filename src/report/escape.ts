/** Escaping for the reports written as markup (the HTML viewer, JUnit XML). */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Returns `s` with the characters special in HTML and XML text and attribute values escaped. */
export function escapeMarkup(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
