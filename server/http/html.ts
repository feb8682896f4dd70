/** Escapes text for HTML content and quoted attribute values (the server's few pages). */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
