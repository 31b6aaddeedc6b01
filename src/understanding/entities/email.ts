/** E-mail addresses, written ("john@example.com") or spoken and joined by normaliseSpoken ("john at example dot com"). */

const EMAIL =
  /(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])/g;

export interface FoundEmail {
  email: string;
  start: number;
  end: number;
}

export function findEmails(text: string): FoundEmail[] {
  const out: FoundEmail[] = [];
  for (const m of text.matchAll(EMAIL)) {
    const email = m[0].replace(/\.+$/, '');
    out.push({ email: email.toLowerCase(), start: m.index, end: m.index + email.length });
  }
  return out;
}

/** Every e-mail address in already normalised text, lowercased, in order. */
export function extractEmails(text: string): string[] {
  return findEmails(text).map((e) => e.email);
}
