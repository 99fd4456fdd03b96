/* SPDX-License-Identifier: MIT */
/*
 * JSON documents checked against pftrace's own JSON Schemas (man/pftrace-report.schema.json, for
 * diff's baselines), the schema files themselves being the rules: a document from another
 * machine is taken only in the shape pftrace writes. What is checked is the part of JSON Schema
 * 2020-12 those files use; a keyword outside it is an error, not a rule passed over, so a schema
 * that starts to use one fails the tests instead of checking less.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* A path deeper than this is a schema whose $ref goes round (none of ours does). */
#define MAX_DEPTH 64
#define MAX_REGEX 8

struct check {
	const json_t *root; /* the schema: "#/..." references resolve in it */
	char path[512];	    /* where in the document: summary.faults, groups[3].file */
	size_t len;
	char err[320];
	/* the checks passed so far: of the forms of anyOf or oneOf that all fail, the one that
	 * went furthest names the error (a row is told by the form it nearly is) */
	uint64_t progress;
	int depth;
	struct {
		const char *pattern;
		regex_t re;
	} re[MAX_REGEX];
	int nr_re;
};

static int check(struct check *c, const json_t *schema, const json_t *v);

static int failf(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failf(struct check *c, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, sizeof(c->err), "%s: ", c->len ? c->path : "(the document)");

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(c->err))
		vsnprintf(c->err + n, sizeof(c->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Appends ".key" or "[i]" to the path; the old length, to go back to. */
static size_t push_key(struct check *c, const char *key)
{
	size_t old = c->len;
	int n =
	    snprintf(c->path + c->len, sizeof(c->path) - c->len, "%s%s", c->len ? "." : "", key);

	if (n > 0)
		c->len =
		    c->len + (size_t)n < sizeof(c->path) ? c->len + (size_t)n : sizeof(c->path) - 1;
	return old;
}

static size_t push_index(struct check *c, size_t i)
{
	size_t old = c->len;
	int n = snprintf(c->path + c->len, sizeof(c->path) - c->len, "[%zu]", i);

	if (n > 0)
		c->len =
		    c->len + (size_t)n < sizeof(c->path) ? c->len + (size_t)n : sizeof(c->path) - 1;
	return old;
}

static void pop(struct check *c, size_t old)
{
	c->len = old;
	c->path[old] = '\0';
}

/* An integer is one in JSON's integer form (jansson keeps those that fit 64 bits): pftrace
 * writes no other, and a real where a count belongs is refused, 1e300 with it. */
static bool is_type(const json_t *v, const char *t)
{
	if (!strcmp(t, "object"))
		return json_is_object(v);
	if (!strcmp(t, "array"))
		return json_is_array(v);
	if (!strcmp(t, "string"))
		return json_is_string(v);
	if (!strcmp(t, "integer"))
		return json_is_integer(v);
	if (!strcmp(t, "number"))
		return json_is_number(v);
	if (!strcmp(t, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(t, "null"))
		return json_is_null(v);
	return false;
}

/* What the schema's type (and minimum) asks for, in words: "a non-negative integer or null". */
static void expected(const json_t *schema, char *buf, size_t size)
{
	const json_t *type = json_object_get(schema, "type"),
		     *min = json_object_get(schema, "minimum");
	const json_t *t;
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < (json_is_array(type) ? json_array_size(type) : 1); i++) {
		const char *name;
		const char *word;

		t = json_is_array(type) ? json_array_get(type, i) : type;
		name = json_string_value(t);
		if (!name)
			continue;
		word = !strcmp(name, "object")	 ? "an object"
		       : !strcmp(name, "array")	 ? "an array"
		       : !strcmp(name, "string") ? "a string"
		       : !strcmp(name, "integer")
			   ? (json_is_number(min) && json_number_value(min) == 0
				  ? "a non-negative integer"
				  : "an integer")
		       : !strcmp(name, "number")  ? "a number"
		       : !strcmp(name, "boolean") ? "true or false"
		       : !strcmp(name, "null")	  ? "null"
						  : name;
		o += (size_t)snprintf(buf + o, o < size ? size - o : 0, "%s%s", o ? " or " : "",
				      word);
		if (o >= size)
			return;
	}
	if (!o && json_is_number(min))
		snprintf(buf, size, "a number of at least %g", json_number_value(min));
}

static int check_type(struct check *c, const json_t *schema, const json_t *type, const json_t *v)
{
	char want[128];
	size_t i;

	if (json_is_string(type) && is_type(v, json_string_value(type)))
		return 0;
	for (i = 0; json_is_array(type) && i < json_array_size(type); i++)
		if (json_is_string(json_array_get(type, i)) &&
		    is_type(v, json_string_value(json_array_get(type, i))))
			return 0;
	expected(schema, want, sizeof(want));
	return failf(c, "expected %s", want);
}

/* A value as the error shows it: JSON, cut short. */
static void shown(const json_t *v, char *buf, size_t size)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	snprintf(buf, size, "%s", s ? s : "?");
	free(s);
}

static int check_enum(struct check *c, const json_t *list, const json_t *v)
{
	char buf[200], one[64];
	size_t i, o = 0;

	for (i = 0; i < json_array_size(list); i++)
		if (json_equal(json_array_get(list, i), (json_t *)v))
			return 0;
	buf[0] = '\0';
	for (i = 0; i < json_array_size(list) && o < sizeof(buf); i++) {
		shown(json_array_get(list, i), one, sizeof(one));
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? ", " : "", one);
	}
	return failf(c, "expected one of %s", buf);
}

static int check_pattern(struct check *c, const char *pattern, const json_t *v)
{
	int i;

	if (!json_is_string(v))
		return 0; /* pattern applies to strings only */
	for (i = 0; i < c->nr_re && c->re[i].pattern != pattern; i++)
		;
	if (i == c->nr_re) {
		/* ours are POSIX extended expressions too (^, $, [..], +) */
		if (i == MAX_REGEX || regcomp(&c->re[i].re, pattern, REG_EXTENDED | REG_NOSUB))
			return failf(c, "schema: pattern '%s' cannot be used", pattern);
		c->re[i].pattern = pattern;
		c->nr_re++;
	}
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    regexec(&c->re[i].re, json_string_value(v), 0, NULL, 0))
		return failf(c, "expected a string matching %s", pattern);
	return 0;
}

/* "#/$defs/x" (any JSON pointer into the same schema, without escapes). */
static const json_t *resolve(struct check *c, const char *ref)
{
	const json_t *at = c->root;
	const char *p;
	char part[128];

	if (strncmp(ref, "#", 1))
		return NULL; /* another file's: the schemas a baseline is checked with have none */
	for (p = ref + 1; at && *p == '/';) {
		size_t n = strcspn(p + 1, "/");

		if (n >= sizeof(part) || memchr(p + 1, '~', n))
			return NULL;
		memcpy(part, p + 1, n);
		part[n] = '\0';
		at = json_object_get(at, part);
		p += 1 + n;
	}
	return *p ? NULL : at;
}

/* anyOf (want_one false) or oneOf: on failure the error of the form that went furthest. */
static int check_forms(struct check *c, const json_t *forms, const json_t *v, bool want_one)
{
	char best[sizeof(c->err)] = "";
	uint64_t start = c->progress, best_progress = 0;
	size_t i, matched = 0;

	for (i = 0; i < json_array_size(forms); i++) {
		c->progress = start;
		if (check(c, json_array_get(forms, i), v) == 0) {
			matched++;
			if (!want_one)
				return 0;
		} else if (!best[0] || c->progress > best_progress) {
			best_progress = c->progress;
			memcpy(best, c->err, sizeof(best));
		}
	}
	if (matched == 1 || (!want_one && matched)) {
		c->progress = start + 1;
		return 0;
	}
	if (matched > 1)
		return failf(c, "matches more than one of its forms");
	c->progress = best_progress;
	memcpy(c->err, best, sizeof(best));
	return -1;
}

static int check_object(struct check *c, const json_t *schema, const json_t *v)
{
	const json_t *props = json_object_get(schema, "properties"),
		     *more = json_object_get(schema, "additionalProperties"),
		     *names = json_object_get(schema, "propertyNames"),
		     *req = json_object_get(schema, "required"), *sub, *x;
	const char *key;
	size_t i, old;

	if (!json_is_object(v))
		return 0; /* these apply to objects only */
	for (i = 0; i < json_array_size(req); i++) {
		key = json_string_value(json_array_get(req, i));
		if (key && !json_object_get(v, key)) {
			old = push_key(c, key);
			failf(c, "missing");
			pop(c, old);
			return -1;
		}
	}
	c->progress++;
	json_object_foreach((json_t *)v, key, x)
	{
		int r = 0;

		old = push_key(c, key);
		if (names) {
			json_t *k = json_string(key);

			r = k ? check(c, names, k) : failf(c, "out of memory");
			json_decref(k);
		}
		if (!r && (sub = json_object_get(props, key)))
			r = check(c, sub, x);
		else if (!r && json_is_false(more))
			r = failf(c, "not a field of this object");
		else if (!r && json_is_object(more))
			r = check(c, more, x);
		pop(c, old);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int check_array(struct check *c, const json_t *schema, const json_t *v)
{
	const json_t *items = json_object_get(schema, "items"),
		     *max = json_object_get(schema, "maxItems"), *x;
	size_t i, old;

	if (!json_is_array(v))
		return 0;
	if (max && json_array_size(v) > (size_t)json_integer_value(max))
		return failf(c, "expected at most %" JSON_INTEGER_FORMAT " items",
			     json_integer_value(max));
	json_array_foreach(v, i, x)
	{
		int r;

		if (!items)
			break;
		old = push_index(c, i);
		r = check(c, items, x);
		pop(c, old);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* The keywords known: the ones that check, and those that only say (ignored). */
static bool known_keyword(const char *k)
{
	static const char *const words[] = {"type",	     "const",	    "enum",
					    "required",	     "properties",  "additionalProperties",
					    "propertyNames", "items",	    "maxItems",
					    "minimum",	     "pattern",	    "allOf",
					    "anyOf",	     "oneOf",	    "$ref",
					    "$schema",	     "$id",	    "$defs",
					    "title",	     "description", "$comment"};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(k, words[i]))
			return true;
	return false;
}

static int check(struct check *c, const json_t *schema, const json_t *v)
{
	const json_t *x, *sub;
	const char *key;
	size_t i;
	int r = -1;

	if (json_is_true(schema))
		return 0;
	if (json_is_false(schema))
		return failf(c, "not a field of this object");
	if (!json_is_object(schema))
		return failf(c, "schema: not a schema");
	if (++c->depth > MAX_DEPTH) {
		failf(c, "schema: nested too deep");
		goto out;
	}
	json_object_foreach((json_t *)schema, key, x)
	{
		if (!known_keyword(key)) {
			failf(c, "schema: keyword '%s' is not supported", key);
			goto out;
		}
	}
	if ((x = json_object_get(schema, "$ref"))) {
		sub = json_is_string(x) ? resolve(c, json_string_value(x)) : NULL;
		if (!sub) {
			failf(c, "schema: reference '%s' cannot be followed",
			      json_is_string(x) ? json_string_value(x) : "?");
			goto out;
		}
		if (check(c, sub, v) < 0)
			goto out;
	}
	if ((x = json_object_get(schema, "type")) && check_type(c, schema, x, v) < 0)
		goto out;
	if ((x = json_object_get(schema, "const")) && !json_equal(x, (json_t *)v)) {
		char one[64];

		shown(x, one, sizeof(one));
		failf(c, "expected %s", one);
		goto out;
	}
	if ((x = json_object_get(schema, "enum")) && check_enum(c, x, v) < 0)
		goto out;
	if ((x = json_object_get(schema, "minimum")) && json_is_number(v) &&
	    json_number_value(v) < json_number_value(x)) {
		char want[128];

		expected(schema, want, sizeof(want));
		failf(c, "expected %s", want);
		goto out;
	}
	if ((x = json_object_get(schema, "pattern")) &&
	    check_pattern(c, json_string_value(x) ? json_string_value(x) : "", v) < 0)
		goto out;
	c->progress++;
	json_array_foreach(json_object_get(schema, "allOf"), i, sub)
	{
		if (check(c, sub, v) < 0)
			goto out;
	}
	if ((x = json_object_get(schema, "anyOf")) && check_forms(c, x, v, false) < 0)
		goto out;
	if ((x = json_object_get(schema, "oneOf")) && check_forms(c, x, v, true) < 0)
		goto out;
	if (check_object(c, schema, v) < 0 || check_array(c, schema, v) < 0)
		goto out;
	c->progress++;
	r = 0;
out:
	c->depth--;
	return r;
}

int pft_json_check(const json_t *schema, const json_t *doc, char *err, size_t size)
{
	struct check *c = calloc(1, sizeof(*c));
	int r, i;

	if (!c) {
		snprintf(err, size, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	c->root = schema;
	r = check(c, schema, doc);
	if (r < 0) {
		snprintf(err, size, "%s", c->err);
		errno = EINVAL;
	}
	for (i = 0; i < c->nr_re; i++)
		regfree(&c->re[i].re);
	free(c);
	return r;
}
