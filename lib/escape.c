/* SPDX-License-Identifier: MIT */
/*
 * Text that traced processes and other machines chose (comms, mapped paths, symbol names, the
 * names in a trace.dat or a baseline), written for the sink that shows it. An unprivileged
 * process sets its comm to any 15 bytes and maps files by any name; pftrace runs as root and
 * writes them into root's terminal, into SVG that a browser runs, into a CI job's markdown. So
 * every such string goes through pft_put_text with its sink:
 *
 *   - everywhere: control bytes (C0, DEL), bytes that are not UTF-8 (a name the kernel cut
 *     mid-character, binary junk), C1 controls and the bidirectional overrides that reorder
 *     what a reader sees are shown as escapes (\x1b, \xff, \u202e); valid UTF-8 passes;
 *   - PFT_TEXT_TERM: a backslash is doubled, so that an escape is never ambiguous;
 *   - PFT_TEXT_XML: & < > " ' as entities (text and attribute values alike);
 *   - PFT_TEXT_MD: ASCII punctuation that markdown acts on (GitHub's tables, links, images,
 *     HTML, emphasis, autolinks) is backslash-escaped: a cell stays one cell of literal text;
 *   - PFT_TEXT_FOLDED: ';' (the frame separator) as \x3b.
 */
#include <string.h>
#include "internal.h"

size_t pft_utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Code points no reader should get raw: C1 controls, the bidirectional controls that make text
 * display in another order than it is ("Trojan source"), and what XML does not allow. */
static bool hidden(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f || cp == 0x061c ||
	       cp == 0xfffe || cp == 0xffff; /* not characters in XML */
}

/* What markdown would act on (GitHub-flavoured: tables, emphasis, links, images, HTML,
 * entities, autolinks, headings at a line's start). */
static bool md_special(unsigned char c)
{
	/* '(' and ')' can make no link once '[' and ']' are escaped: left as they are */
	return c && strchr("\\`*_[]<>|!#~&:.$", c) != NULL;
}

/* One character of s (at most n bytes) for the sink: writes it to out (if not NULL), and
 * returns the bytes of s it used; *cols receives the columns it takes. */
static size_t put_char(FILE *out, const char *s, size_t n, enum pft_text how, size_t *cols)
{
	const unsigned char *u = (const unsigned char *)s;
	char buf[16];
	uint32_t cp;
	size_t len = pft_utf8_len(u, n, &cp);

	if (!len || u[0] < 0x20 || u[0] == 0x7f) {
		len = len ? len : 1;
		snprintf(buf, sizeof(buf), "\\x%02x", u[0]);
	} else if (hidden(cp)) {
		snprintf(buf, sizeof(buf), "\\u%04x", (unsigned int)cp);
	} else if (len > 1) {
		*cols = 1;
		if (out)
			fwrite(s, 1, len, out);
		return len;
	} else if (how == PFT_TEXT_XML && strchr("&<>\"'", u[0])) {
		static const char *const ent[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};

		*cols = 1;
		if (out)
			fputs(ent[strchr("&<>\"'", u[0]) - "&<>\"'"], out);
		return 1;
	} else if ((how == PFT_TEXT_TERM && u[0] == '\\') ||
		   (how == PFT_TEXT_MD && md_special(u[0]))) {
		snprintf(buf, sizeof(buf), "\\%c", u[0]);
		*cols = how == PFT_TEXT_MD ? 1 : 2; /* markdown shows the character alone */
		if (out)
			fputs(buf, out);
		return 1;
	} else if (how == PFT_TEXT_FOLDED && u[0] == ';') {
		snprintf(buf, sizeof(buf), "\\x3b");
	} else {
		*cols = 1;
		if (out)
			fputc(u[0], out);
		return 1;
	}
	*cols = strlen(buf);
	if (out)
		fputs(buf, out);
	return len;
}

size_t pft_put_text(FILE *out, const char *s, enum pft_text how, size_t max_cols)
{
	size_t n = s ? strlen(s) : 0, cols = 0, c, used;

	while (n) {
		put_char(NULL, s, n, how, &c);
		if (max_cols && cols + c > max_cols)
			break;
		used = put_char(out, s, n, how, &c);
		cols += c;
		s += used;
		n -= used;
	}
	return cols;
}

size_t pft_text_cols(const char *s, enum pft_text how)
{
	return pft_put_text(NULL, s, how, 0);
}

void pft_put_padded(FILE *out, const char *s, enum pft_text how, size_t width, bool cut)
{
	size_t cols = pft_put_text(out, s, how, cut ? width : 0);

	for (; cols < width; cols++)
		fputc(' ', out);
}

const char *pft_text_tail(const char *s, size_t chars)
{
	size_t n = strlen(s), i, total = 0;
	uint32_t cp;

	/* count the characters, then step past all but the last chars of them */
	for (i = 0; i < n; i += pft_utf8_len((const unsigned char *)s + i, n - i, &cp) ?: 1)
		total++;
	for (i = 0; total > chars; total--)
		i += pft_utf8_len((const unsigned char *)s + i, n - i, &cp) ?: 1;
	return s + i;
}
