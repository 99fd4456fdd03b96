/* SPDX-License-Identifier: MIT */
/* JSON values from trace data: comms and paths are bytes, not always UTF-8. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

json_t *pft_json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i, o = 0;
	uint32_t cp;
	char *buf;
	json_t *j;

	if (!s)
		return json_null();
	len = strlen(s);
	for (i = 0; i < len;) {
		size_t n = pft_utf8_len(p + i, len - i, &cp);

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
		size_t n = pft_utf8_len(p + i, len - i, &cp);

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
