/* SPDX-License-Identifier: MIT */
/* JSON values from trace data: comms and paths are bytes, not always UTF-8. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF are invalid too */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

json_t *pft_json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i, o = 0;
	char *buf;
	json_t *j;

	if (!s)
		return json_null();
	len = strlen(s);
	for (i = 0; i < len;) {
		size_t n = utf8_len(p + i, len - i);

		if (!n)
			break;
		i += n;
	}
	if (i == len)
		return json_stringn_nocheck(s, len);
	buf = malloc(len * 3 + 1);
	if (!buf)
		return NULL;
	for (i = 0; i < len;) {
		size_t n = utf8_len(p + i, len - i);

		if (!n) {
			memcpy(buf + o, "\xef\xbf\xbd", 3); /* U+FFFD */
			o += 3;
			i++;
			continue;
		}
		memcpy(buf + o, s + i, n);
		o += n;
		i += n;
	}
	j = json_stringn_nocheck(buf, o);
	free(buf);
	return j;
}

json_t *pft_json_hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}
