/* SPDX-License-Identifier: MIT */
/*
 * ftrace text: one parser for every layout people save, with no flag to say which.
 *
 *   [INSTANCE: ]COMM-TID [(TGID)] [CPU] [FLAGS] [TIMESTAMP:] EVENT: PAYLOAD
 *
 * The CPU column "[NNN]" is the anchor: the comm to its left may contain spaces, dashes and
 * brackets, so everything left of it is read right to left (tgid, then tid, then comm).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

#define TEXT_BUF_SIZE (1u << 20) /* also the longest line we take */
/* NUL bytes and no event in this much of the input: binary data, not read on (/dev/zero or
 * /dev/urandom would be read for ever) */
#define BINARY_PROBE TEXT_BUF_SIZE
#define MAX_FRAMES    256

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool is_hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char *skip_space(char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

/* "0x1f" -> 0x1f; NULL if p is not a whole hex number up to a space or the end. */
static char *parse_hexnum(char *p, uint64_t *out)
{
	const char *e;

	if (p[0] != '0' || (p[1] | 0x20) != 'x')
		return NULL;
	e = pft_parse_hex(p + 2, out);
	if (!e || (*e && !is_space(*e)))
		return NULL;
	return (char *)e;
}

/* "361.349940" -> ns; "12345678" (counter clocks) -> raw. */
static bool parse_ts(const char *p, const char *end, uint64_t *ts, bool *raw)
{
	uint64_t sec = 0, frac = 0;
	int digits = 0;
	const char *s = p;

	for (; p < end && is_digit(*p); p++) {
		if (sec > (UINT64_MAX - 9) / 10)
			return false;
		sec = sec * 10 + (*p - '0');
	}
	if (p == s)
		return false;
	*raw = p == end;
	/* no clock runs past 2^63 ns (292 years), and JSON's integers are signed 64-bit */
	if (*raw) {
		*ts = sec;
		return sec <= INT64_MAX;
	}
	if (*p++ != '.')
		return false;
	for (; p < end && is_digit(*p); p++, digits++)
		if (digits < 9)
			frac = frac * 10 + (*p - '0');
	if (p != end || !digits || sec > UINT64_MAX / 1000000000ull - 1)
		return false;
	for (; digits < 9; digits++)
		frac *= 10;
	*ts = sec * 1000000000ull + frac;
	return *ts <= INT64_MAX;
}

/* Reads "(  1234)" or "(-----)" ending at close; returns the '(' or NULL. */
static char *parse_tgid(char *line, char *close, int *tgid)
{
	char *open = close, *p;
	uint64_t v;

	while (open > line && *open != '(')
		open--;
	if (*open != '(')
		return NULL;
	p = skip_space(open + 1);
	if (*p == '-') {
		*tgid = -1;
		return open;
	}
	if (!pft_parse_dec(p, &v) || v > INT32_MAX)
		return NULL;
	*tgid = (int)v;
	return open;
}

/*
 * Left of the CPU column at cpu ('['): "COMM-TID" and maybe " (TGID)". Fills comm/tid/tgid;
 * false if the text there is not of that shape.
 */
static bool parse_task(char *line, char *cpu, struct pft_event *ev)
{
	char *e = cpu - 1, *dash, *comm;
	uint64_t tid;

	while (e > line && is_space(*e))
		e--;
	ev->tgid = -1;
	if (*e == ')') {
		char *open = parse_tgid(line, e, &ev->tgid);

		if (!open || open == line)
			return false;
		e = open - 1;
		while (e > line && is_space(*e))
			e--;
	}
	dash = e;
	while (dash > line && is_digit(*dash))
		dash--;
	if (dash == e || *dash != '-' || dash == line)
		return false;
	if (!pft_parse_dec(dash + 1, &tid) || tid > INT32_MAX)
		return false;
	ev->tid = (int)tid;
	comm = skip_space(line);
	*dash = '\0';
	/*
	 * trace-cmd report puts "INSTANCE: " before instance events and pads the comm to 16
	 * columns; a kernel comm is at most 15 bytes, so a longer one holding ": " is that prefix.
	 */
	if (dash - comm > 15) {
		char *colon = strstr(comm, ": ");

		if (colon && !memchr(comm, ' ', colon - comm))
			comm = skip_space(colon + 2);
	}
	ev->comm = comm;
	return dash > comm;
}

/* The CPU column: " [ddd]" whose left side is a task. */
static char *find_cpu(char *line, char *end, struct pft_event *ev)
{
	char *p = line;

	while ((p = memchr(p, '[', end - p))) {
		char *q = p + 1;
		uint64_t cpu;

		if (p > line && is_space(p[-1]) && (q = (char *)pft_parse_dec(q, &cpu)) &&
		    *q == ']' && cpu < 100000 && parse_task(line, p, ev)) {
			ev->cpu = (int)cpu;
			return q + 1;
		}
		p++;
	}
	return NULL;
}

static bool flags_token(const char *p, const char *end)
{
	if (end - p < 1 || end - p > 8)
		return false;
	for (; p < end; p++)
		if (!(is_digit(*p) || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || *p == '.'))
			return false;
	return true;
}

/* %ps prints a number as 0x..., or the kernel symbol it falls in (kernel addresses only). */
static bool parse_value(char *val, uint64_t *num, const char **sym)
{
	if (val[0] == '0' && (val[1] | 0x20) == 'x')
		return parse_hexnum(val, num) != NULL;
	if (!(*val == '_' || ((*val | 0x20) >= 'a' && (*val | 0x20) <= 'z')))
		return false;
	*sym = val;
	*num = 0;
	return true;
}

/* "address=0x.. ip=0x..|sym error_code=0x..", any order, extra fields ignored. */
static bool parse_fault_payload(char *p, struct pft_event *ev)
{
	bool have_addr = false, have_ip = false, have_ec = false;

	while (*(p = skip_space(p))) {
		char *eq = p, *val, *next;

		while (*eq && *eq != '=' && !is_space(*eq))
			eq++;
		if (*eq != '=')
			return false;
		val = eq + 1;
		next = val;
		while (*next && !is_space(*next))
			next++;
		if (next == val)
			return false;
		if (eq - p == 7 && !memcmp(p, "address", 7)) {
			if (!parse_value(val, &ev->address, &ev->address_symbol))
				return false;
			have_addr = true;
		} else if (eq - p == 2 && !memcmp(p, "ip", 2)) {
			if (!parse_value(val, &ev->ip, &ev->ip_symbol))
				return false;
			have_ip = true;
		} else if (eq - p == 10 && !memcmp(p, "error_code", 10)) {
			if (!parse_hexnum(val, &ev->error_code))
				return false;
			have_ec = true;
		}
		p = next;
		if (*p)
			*p++ = '\0';
	}
	return have_addr && have_ip && have_ec;
}

/* "key=value" in a payload that starts at start: value (NUL-terminated in place), or NULL;
 * *rest (unless NULL) is where the payload goes on after it (its end, when the value was the last
 * field). */
static char *kv(char *start, const char *key, char **rest)
{
	size_t n = strlen(key);
	char *p, *v;

	for (p = start; (p = strstr(p, key)); p += n)
		if ((p == start || is_space(p[-1])) && p[n] == '=')
			break;
	if (!p)
		return NULL;
	v = p + n + 1;
	p = v;
	while (*p && !is_space(*p))
		p++;
	if (rest)
		*rest = *p ? p + 1 : p;
	*p = '\0';
	return v;
}

static bool dec_value(const char *s, uint64_t *out)
{
	const char *e = s ? pft_parse_dec(s, out) : NULL;

	return e && !*e;
}

/* The process events: "filename=F pid=P old_pid=O", "pid=C comm=X clone_flags=H ...",
 * "comm=X pid=P prio=N group_dead=true" (older kernels: no group_dead), "sig=N ...". */
static bool parse_process(char *name, char *p, struct pft_event *ev)
{
	uint64_t v;
	char *s;

	if (!strcmp(name, "sched_process_exec")) {
		/* the filename is the first field, and may hold spaces: it ends at " pid=" */
		char *end = strstr(p, " pid=");

		if (strncmp(p, "filename=", 9) || !end)
			return false;
		*end = '\0';
		ev->type = PFT_EV_EXEC;
		ev->text = p + 9;
		return true;
	}
	if (!strcmp(name, "task_newtask")) {
		char *after_pid, *pid = kv(p, "pid", &after_pid), *flags;

		/* kv cuts in place: the other fields from after it */
		flags = pid ? kv(after_pid, "clone_flags", NULL) : NULL;
		if (!dec_value(pid, &v) || v > INT32_MAX || !flags ||
		    !pft_parse_hex(flags, &ev->clone_flags))
			return false;
		ev->type = PFT_EV_NEWTASK;
		ev->child = (int)v;
		s = strstr(after_pid, "comm=");
		if (s && s < flags) {
			ev->text = s + 5;
			s[5 + strcspn(s + 5, " \t")] = '\0';
		}
		return true;
	}
	if (!strcmp(name, "signal_deliver")) {
		/* "sig=14 errno=0 code=-6 sa_handler=... sa_flags=..." */
		const char *e;

		p = skip_space(p);
		e = strncmp(p, "sig=", 4) ? NULL : pft_parse_dec(p + 4, &v);
		if (!e || *e != ' ' || v > 64)
			return false;
		ev->type = PFT_EV_SIGNAL;
		ev->args[0] = v;
		return true;
	}
	if (!strcmp(name, "sched_process_exit")) {
		s = strstr(p, "group_dead=");
		ev->type = PFT_EV_EXIT;
		/* without the field (older kernels), an exit is taken as the process's */
		ev->group_dead = !s || !strncmp(s + 11, "true", 4) || s[11] == '1';
		return true;
	}
	return false;
}

/* The last " key=" in p: its value, cut in place at the next space; NULL if none. The payloads
 * below begin with a comm, which may hold anything: their own fields come after it. */
static char *last_kv(char *p, const char *key)
{
	size_t n = strlen(key);
	char *v = NULL, *q;

	for (q = p; (q = strstr(q, key)); q += n)
		if (q > p && q[-1] == ' ' && q[n] == '=')
			v = q + n + 1;
	if (v)
		v[strcspn(v, " ")] = '\0';
	return v;
}

/* What tells why a fault was slow (record --why): "prev_comm=C prev_pid=P prev_prio=N
 * prev_state=S ==> next_comm=C next_pid=P next_prio=N" (the previous task is the line's),
 * "comm=C pid=P prio=N target_cpu=N", the spans, whose fields do not matter, and the marks
 * of a fault's path ("size=N", "order=N", "type=MM_SWAPENTS"). */
static bool parse_why(const char *name, char *p, struct pft_event *ev)
{
	const struct pft_why_event *w = pft_why_event_find(NULL, name);
	uint64_t v;
	char *state;

	if (!w)
		return false;
	ev->type = w->type;
	ev->cause = w->cause;
	ev->span_end = w->end;
	ev->mark = w->mark;
	/* "mm=00000000c0ffee11 memcg_id=N write=true success=true" */
	if (!strcmp(w->sys, "mmap_lock")) {
		const char *mm = strstr(p, "mm="), *wr = strstr(p, " write="),
			   *ok = strstr(p, " success=");

		if (!mm || !pft_parse_hex(mm + 3, &ev->lock_mm))
			return false;
		ev->lock_write = wr && !strncmp(wr + 7, "true", 4);
		ev->lock_success = ok && !strncmp(ok + 9, "true", 4);
	}
	/* "254,0 R 4096 () 123456 + 8 none,0,2 [comm]": the device, the sectors after " + " */
	if (w->type == PFT_EV_MARK && w->mark == PFT_MARK_IO) {
		uint64_t major, minor;
		const char *q = pft_parse_dec(skip_space(p), &major), *plus = strstr(p, " + ");

		q = q && *q == ',' ? pft_parse_dec(q + 1, &minor) : NULL;
		if (!q || !plus || !pft_parse_dec(plus + 3, &ev->args[0]) || major >= 1u << 12 ||
		    minor >= 1u << 20)
			return false;
		ev->args[1] = major << 20 | minor;
	}
	if (w->type == PFT_EV_SPAN && w->key && !dec_value(last_kv(p, w->key), &ev->args[0]))
		return false;
	if (w->type == PFT_EV_MARK && w->key) {
		char *value = last_kv(p, w->key);

		if (!value)
			return false;
		if (w->symbol)
			ev->args[0] = !strcmp(value, w->symbol);
		else if (!dec_value(value, &ev->args[0]))
			return false;
	}
	if (w->type == PFT_EV_SWITCH) {
		state = strstr(p, "prev_state=");
		if (!state || !dec_value(last_kv(p, "next_pid"), &v) || v > INT32_MAX)
			return false;
		ev->state = pft_task_state_text(state + 11);
		ev->child = (int)v;
	} else if (w->type == PFT_EV_WAKEUP) {
		if (!dec_value(last_kv(p, "pid"), &v) || v > INT32_MAX)
			return false;
		ev->child = (int)v;
		/* "dNh..": woken from an interrupt, not by the task the line names */
		ev->atomic = ev->irq_flags && strlen(ev->irq_flags) >= 3 &&
			     strchr("ZzHhs", ev->irq_flags[2]);
	}
	return true;
}

/* The syscall of the mmap family named sys (len bytes), or PFT_SYS_COUNT. */
static int sys_of(const char *sys, size_t len)
{
	int s;

	for (s = 0; s < PFT_SYS_COUNT; s++)
		if (strlen(pft_sys_names[s]) == len && !memcmp(sys, pft_sys_names[s], len))
			break;
	return s;
}

/* A syscall's arguments "k: V, k: V" in order (V in hex; small ones without 0x), or its return
 * value "V": into ev. */
static bool syscall_values(char *p, bool exit, struct pft_event *ev)
{
	uint64_t v;
	int n = 0;

	if (exit) {
		p = skip_space(p);
		if (p[0] == '0' && (p[1] | 0x20) == 'x')
			p += 2;
		if (!pft_parse_hex(p, &v))
			return false;
		ev->ret = (int64_t)v;
		return true;
	}
	while (n < 6 && (p = strchr(p, ':'))) {
		p = skip_space(p + 1);
		if (p[0] == '0' && (p[1] | 0x20) == 'x')
			p += 2;
		if (!(p = (char *)pft_parse_hex(p, &ev->args[n++])))
			return false;
	}
	return n > 0;
}

/* The events' own form: "sys_enter_NAME: k: 0x.., ..." and "sys_exit_NAME: 0x.." (trace-cmd). */
static bool parse_syscall(const char *name, char *p, struct pft_event *ev)
{
	bool exit = !strncmp(name, "sys_exit_", 9);
	const char *sys = name + (exit ? 9 : 10);
	int s;

	if (!exit && strncmp(name, "sys_enter_", 10))
		return false;
	if ((s = sys_of(sys, strlen(sys))) == PFT_SYS_COUNT || !syscall_values(p, exit, ev))
		return false;
	ev->type = PFT_EV_SYSCALL;
	ev->sys = (enum pft_sys)s;
	ev->sys_exit = exit;
	return true;
}

/* ftrace's own text of syscall events: "sys_NAME(k: V, ...)" and "sys_NAME -> V". 1 if p is
 * one of the mmap family (ev filled), 0 if it is another syscall, -1 if not a syscall line. */
static int parse_ftrace_syscall(char *p, struct pft_event *ev)
{
	char *name = p + 4, *end = name;
	bool exit;
	int s;

	if (strncmp(p, "sys_", 4))
		return -1;
	while (*end && *end != '(' && !is_space(*end))
		end++;
	exit = !strncmp(end, " -> ", 4);
	if (*end != '(' && !exit)
		return -1;
	ev->name = "syscall";
	ev->type = PFT_EV_OTHER;
	if ((s = sys_of(name, end - name)) == PFT_SYS_COUNT)
		return 0;
	if (!syscall_values(end + (exit ? 4 : 1), exit, ev))
		return -1;
	ev->type = PFT_EV_SYSCALL;
	ev->sys = (enum pft_sys)s;
	ev->sys_exit = exit;
	return 1;
}

static enum pft_line parse_lost(char *p, struct pft_line_info *info)
{
	uint64_t cpu, n = 0;
	const char *q;

	if (!(q = pft_parse_dec(p + 4, &cpu)) || *q++ != ' ' || *q++ != '[')
		return PFT_LINE_UNRECOGNIZED;
	if (!strncmp(q, "LOST ", 5)) {
		if (!(q = pft_parse_dec(q + 5, &n)) || strncmp(q, " EVENTS]", 8))
			return PFT_LINE_UNRECOGNIZED;
	} else if ((q = pft_parse_dec(q, &n))) {
		if (strncmp(q, " EVENTS DROPPED]", 16))
			return PFT_LINE_UNRECOGNIZED;
	} else if (strncmp(p, "CPU:", 4) || !strstr(p, "[EVENTS DROPPED]")) {
		return PFT_LINE_UNRECOGNIZED;
	}
	info->lost = n;
	return PFT_LINE_LOST;
}

static bool mentions_fault(const char *line, size_t len)
{
	return memmem(line, len, "page_fault_", 11) != NULL;
}

/* [p, end) is digits and dots only: a timestamp's characters. */
static bool ts_chars(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!is_digit(*p) && *p != '.')
			return false;
	return true;
}

static void *(*volatile clear)(void *, int, size_t) = memset;

enum pft_line pft_parse_line(char *line, size_t len, struct pft_event *ev,
			     struct pft_line_info *info)
{
	char *end = line + len, *p, *tok, *colon = NULL;

	line[len] = '\0';
	p = skip_space(line);
	if (!*p)
		return PFT_LINE_BLANK;
	/* the first character first: most lines are events, and a call per test is a cost */
	if (*p == '#' || (*p == 'c' && !strncmp(p, "cpus=", 5)) ||
	    (*p == 'v' && !strncmp(p, "version = ", 10)))
		return PFT_LINE_HEADER;
	if (p[0] == '=' && p[1] == '>') {
		info->frame = skip_space(p + 2);
		return PFT_LINE_STACK_FRAME;
	}
	if (*p == 'C' && !strncmp(p, "CPU:", 4) && parse_lost(p, info) == PFT_LINE_LOST)
		return PFT_LINE_LOST;

	/* through a pointer: gcc's inline memset of the event (rep stos) was a tenth of the parse;
	 * libc's is a few vector stores */
	clear(ev, 0, sizeof(*ev));
	ev->ts = PFT_NO_TS;
	info->ts_raw = false;
	if (!(p = find_cpu(line, end, ev)))
		goto bad;

	/* [FLAGS] [TIMESTAMP:] EVENT: */
	for (;;) {
		p = skip_space(p);
		/* ftrace's own syscall lines: "sys_mmap(...)", "sys_mmap -> 0x..." */
		if (p[0] == 's' && p[1] == 'y' && parse_ftrace_syscall(p, ev) >= 0)
			return PFT_LINE_EVENT;
		if (*p == '<') {
			bool user = !strncmp(p, "<user stack trace>", 18);

			if (!user && strncmp(p, "<stack trace>", 13))
				goto bad;
			info->user_stack = user;
			return PFT_LINE_STACK_START;
		}
		tok = p;
		while (*p && !is_space(*p))
			p++;
		if (p == tok)
			goto bad;
		if (p[-1] != ':') {
			if (ev->irq_flags || ev->ts != PFT_NO_TS || !flags_token(tok, p))
				goto bad;
			ev->irq_flags = tok;
			if (*p)
				*p++ = '\0';
			continue;
		}
		colon = p - 1;
		if (is_digit(*tok) && ev->ts == PFT_NO_TS && ts_chars(tok, colon)) {
			/* a timestamp, or a number too big to be one */
			if (!parse_ts(tok, colon, &ev->ts, &info->ts_raw))
				goto bad;
			*colon = '\0';
			continue;
		}
		break;
	}
	*colon = '\0';
	ev->name = tok;
	if (*p)
		p++;
	if (tok[0] == 'p' && !strcmp(tok, "page_fault_user")) {
		ev->type = PFT_EV_FAULT_USER;
	} else if (tok[0] != 'p' && (!strcmp(tok, "kernel_stack") || !strcmp(tok, "user_stack"))) {
		/* trace-cmd report's stack events: "user_stack:  => 0x55e4..." carries the first
		 * frame on its own line */
		info->user_stack = tok[0] == 'u';
		p = skip_space(p);
		if (p[0] == '=' && p[1] == '>')
			info->frame = skip_space(p + 2);
		return PFT_LINE_STACK_START;
	} else if (!strcmp(tok, "page_fault_kernel")) {
		ev->type = PFT_EV_FAULT_KERNEL;
	} else {
		/* what follows address spaces is replayed as history; the rest is counted */
		if (!parse_process(tok, p, ev) && !parse_syscall(tok, p, ev) &&
		    !parse_why(tok, p, ev))
			ev->type = PFT_EV_OTHER;
		return PFT_LINE_EVENT;
	}
	if (!parse_fault_payload(p, ev))
		return PFT_LINE_MALFORMED;
	/* "d..1.": an interrupt (third column) or a preempt depth (fourth) */
	if (ev->irq_flags && strlen(ev->irq_flags) >= 4)
		ev->atomic = strchr("ZzHhs", ev->irq_flags[2]) ||
			     (is_hex_digit(ev->irq_flags[3]) && ev->irq_flags[3] != '0');
	return PFT_LINE_EVENT;
bad:
	return mentions_fault(line, len) ? PFT_LINE_MALFORMED : PFT_LINE_UNRECOGNIZED;
}

/* ---------------------------------------------------------------- the text source */

struct frame_store {
	char *text;
	size_t len, cap;
	size_t off[MAX_FRAMES]; /* SIZE_MAX: the frame is an address only */
	const char *ptr[MAX_FRAMES];
	uint64_t ips[MAX_FRAMES];
	size_t nr;
};

/*
 * An event waits until its stacks are known to be over: they follow it on its CPU, but a trace
 * that merges CPUs (a `trace` file, trace-cmd report) may put other CPUs' lines between them.
 * An event is over when its CPU shows another event, when the input is 1 ms past it, or at the
 * end; events leave in the order they came.
 */
#define MAX_PENDING	64
#define STACK_WINDOW_NS 1000000

struct pending {
	struct pft_event ev;
	char *line; /* a copy: ev's strings point into it */
	size_t cap;
	struct frame_store frames[2]; /* kernel, user */
	bool done;
};

struct text {
	struct pft_source_stats *st;
	FILE *f;
	char *buf;
	size_t pos, end;
	bool eof, overlong;
	/* a regular file is mapped whole (buf is the mapping, read only): no copy into a buffer,
	 * and the look-ahead for exec lines reads the same pages */
	bool mapped, any_event;
	size_t dropped; /* mapped: the pages before this were given back (RSS stays small) */
	uint64_t taken; /* bytes read from the stream so far */
	struct pending *q[MAX_PENDING + 1]; /* a ring; the slot returned last waits for reuse */
	size_t head, nr;
	struct pending *target; /* where stack frames go, or NULL */
	int cur_stack;
};

static int fill(struct text *s)
{
	size_t n;

	if (s->pos) {
		memmove(s->buf, s->buf + s->pos, s->end - s->pos);
		s->end -= s->pos;
		s->pos = 0;
	}
	if (s->end == TEXT_BUF_SIZE) {
		/* no newline in a whole buffer: drop it, and the rest of the line when it ends */
		s->end = 0;
		s->overlong = true;
	}
	n = fread(s->buf + s->end, 1, TEXT_BUF_SIZE - s->end, s->f);
	if (!n) {
		if (ferror(s->f)) {
			errno = EIO;
			return -1;
		}
		s->eof = true;
	}
	if (memchr(s->buf + s->end, '\0', n))
		s->st->binary = true;
	s->end += n;
	s->taken += n;
	return 0;
}

#define DROP_STEP (8u << 20)

/* Gives back the mapped pages before upto, once there are DROP_STEP of them: read once, they
 * need not stay in the process's memory. */
static void drop(struct text *s, size_t upto)
{
	upto &= ~(size_t)4095;
	if (upto >= s->dropped + DROP_STEP) {
		madvise(s->buf + s->dropped, upto - s->dropped, MADV_DONTNEED);
		s->dropped = upto;
	}
}

/* Binary from the start: it ends here, said so (empty_reason), not read to an end that may never
 * come (no event is waiting). */
static bool binary_from_start(const struct text *s)
{
	return !s->any_event && s->st->binary && (s->mapped ? s->pos : s->taken) >= BINARY_PROBE;
}

/* next_line on a mapped file: a newline is looked for a buffer's length at a time, as when
 * reading (a longer line is skipped and counted), the pages behind given back. */
static int next_mapped_line(struct text *s, char **line, size_t *len)
{
	for (;;) {
		size_t left = s->end - s->pos, look = left < TEXT_BUF_SIZE ? left : TEXT_BUF_SIZE,
		       l;
		char *b = s->buf + s->pos, *nl;

		if (!left || binary_from_start(s))
			return 0;
		drop(s, s->pos);
		nl = memchr(b, '\n', look);
		if (!nl && look == TEXT_BUF_SIZE) {
			s->overlong = true; /* its end is looked for from here */
			s->pos += look;
			continue;
		}
		l = nl ? (size_t)(nl - b) : left;
		s->pos += l + (nl != NULL);
		s->st->lines++;
		if (s->overlong) {
			s->overlong = false;
			pft_skip(&s->st->unrecognized, s->st->lines, "line longer than 1 MiB", 22);
			continue;
		}
		*line = b;
		*len = l;
		return 1;
	}
}

/* 1 and a line of *len bytes, not NUL-terminated (a mapped file's is read only: it is parsed in
 * a copy), 0 at the end, -1 on error. */
static int next_line(struct text *s, char **line, size_t *len)
{
	if (s->mapped)
		return next_mapped_line(s, line, len);
	for (;;) {
		char *b = s->buf + s->pos, *nl = memchr(b, '\n', s->end - s->pos);

		if (nl || (s->eof && s->pos < s->end)) {
			size_t l = nl ? (size_t)(nl - b) : s->end - s->pos;

			s->pos += l + (nl != NULL);
			s->st->lines++;
			if (s->overlong) {
				s->overlong = false;
				pft_skip(&s->st->unrecognized, s->st->lines,
					 "line longer than 1 MiB", 22);
				continue;
			}
			*line = b;
			*len = l;
			return 1;
		}
		if (s->eof || binary_from_start(s))
			return 0;
		if (fill(s) < 0)
			return -1;
	}
}

/* The free slot after the waiting events: a line is parsed straight into its event (a copy
 * less per event); NULL on ENOMEM. */
static struct pending *free_slot(struct text *s)
{
	size_t at = (s->head + s->nr) % (MAX_PENDING + 1);

	if (!s->q[at])
		s->q[at] = calloc(1, sizeof(*s->q[at]));
	return s->q[at];
}

/* Queues the free slot's event (parsed from the slot's own copy of its line). */
static void hold(struct text *s)
{
	struct pending *p = s->q[(s->head + s->nr) % (MAX_PENDING + 1)];

	p->frames[0].nr = p->frames[1].nr = 0;
	p->frames[0].len = p->frames[1].len = 0;
	p->done = false;
	s->nr++;
	/* frames right after the event (no "<stack trace>" line) are its */
	s->target = p;
	s->cur_stack = 0;
	if (s->nr == MAX_PENDING) /* a bound: the oldest goes */
		s->q[s->head]->done = true;
}

/* A new event: which waiting ones can no longer get a stack. */
static void settle(struct text *s, const struct pft_event *cur)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		struct pending *p = s->q[(s->head + i) % (MAX_PENDING + 1)];

		if (cur->cpu == p->ev.cpu || cur->ts == PFT_NO_TS || p->ev.ts == PFT_NO_TS ||
		    s->st->ts_raw || cur->ts > p->ev.ts + STACK_WINDOW_NS)
			p->done = true;
	}
}

/* A stack line: the stack of the last waiting event of its thread on its CPU. */
static struct pending *stack_owner(struct text *s, const struct pft_event *cur)
{
	size_t i;

	for (i = s->nr; i-- > 0;) {
		struct pending *p = s->q[(s->head + i) % (MAX_PENDING + 1)];

		if (!p->done && p->ev.cpu == cur->cpu && p->ev.tid == cur->tid)
			return p;
	}
	return NULL;
}

/* The address a frame shows: "<00007f...>" (ftrace's user stacks), "0x7f..." (trace-cmd's),
 * "name (ffffffff81...)" (trace-cmd's kernel stacks); 0 if none. */
static uint64_t frame_address(const char *frame, bool *named)
{
	const char *open = strrchr(frame, '(');
	uint64_t v = 0;
	const char *end;

	*named = true;
	if (frame[0] == '<' && (end = pft_parse_hex(frame + 1, &v)) && *end == '>') {
		*named = false;
		return v;
	}
	if (frame[0] == '0' && frame[1] == 'x' && (end = pft_parse_hex(frame + 2, &v)) &&
	    !*skip_space((char *)end)) {
		*named = false;
		return v;
	}
	if (open && open > frame && (end = pft_parse_hex(open + 1, &v)) && *end == ')')
		return v;
	return 0;
}

static int add_frame(struct frame_store *fs, const char *frame)
{
	size_t l = strlen(frame) + 1;
	bool named;
	uint64_t ip = frame_address(frame, &named);

	if (!ip && !named)
		return 0; /* trace-cmd pads user stacks to 8 with 0x0 */
	if (fs->nr == MAX_FRAMES)
		return 0; /* deeper frames are dropped; the kernel caps its stacks too */
	if (named) {
		/* the name alone: "do_user_addr_fault (ffffffff81...)" */
		const char *open = strrchr(frame, '(');

		if (ip && open)
			l = (size_t)(open - frame);
		while (l > 1 && is_space(frame[l - 2]))
			l--;
		if (pft_grow((void **)&fs->text, &fs->cap, fs->len + l, 1) < 0)
			return -1;
		memcpy(fs->text + fs->len, frame, l - 1);
		fs->text[fs->len + l - 1] = '\0';
		fs->off[fs->nr] = fs->len;
		fs->len += l;
	} else {
		fs->off[fs->nr] = SIZE_MAX; /* an address: named by the symbolizer */
	}
	fs->ips[fs->nr++] = ip;
	return 0;
}

/* The oldest waiting event goes: it lives until the next call. */
static void release(struct text *s, struct pft_event *ev)
{
	struct pending *p = s->q[s->head];
	int k;

	for (k = 0; k < 2; k++) {
		struct frame_store *fs = &p->frames[k];
		size_t i;

		for (i = 0; i < fs->nr; i++)
			fs->ptr[i] = fs->off[i] == SIZE_MAX ? NULL : fs->text + fs->off[i];
	}
	*ev = p->ev;
	ev->kstack = (struct pft_stack){p->frames[0].nr, p->frames[0].ips, p->frames[0].ptr};
	ev->ustack = (struct pft_stack){p->frames[1].nr, p->frames[1].ips, p->frames[1].ptr};
	if (s->target == p)
		s->target = NULL;
	s->head = (s->head + 1) % (MAX_PENDING + 1);
	s->nr--;
	s->st->events++;
	if (ev->type == PFT_EV_OTHER)
		s->st->other_events++;
}

/* "# entries-in-buffer/entries-written: 10164/10164   #P:2": overwritten events are lost. */
static void header(struct text *s, const char *p)
{
	const char *q;
	uint64_t in, written, n;

	p += strspn(p, " \t");
	if (!strncmp(p, "version = ", 10))
		s->st->trace_header = true;
	if (!strncmp(p, "# tracer: ", 10))
		s->st->trace_header = true;
	if (!strncmp(p, "cpus=", 5) && pft_parse_dec(p + 5, &n)) {
		s->st->trace_header = true;
		s->st->cpus = (int)n;
		s->st->format = "trace-cmd-text";
		return;
	}
	if (!(q = strstr(p, "entries-written: ")))
		return;
	q += 17;
	if (!(q = pft_parse_dec(q, &in)) || *q++ != '/' || !(q = pft_parse_dec(q, &written)))
		return;
	s->st->trace_header = true;
	if (written > in)
		s->st->lost_events += written - in;
	if ((q = strstr(q, "#P:")) && pft_parse_dec(q + 3, &n))
		s->st->cpus = (int)n;
}

static int text_next(struct pft_source *src, struct pft_event *ev)
{
	struct text *s = src->priv;
	struct pft_line_info info;
	struct pending *slot;
	char *line;
	size_t len, i;
	int r;

	for (;;) {
		if (s->nr && s->q[s->head]->done) {
			release(s, ev);
			return 1;
		}
		r = next_line(s, &line, &len);
		if (r < 0)
			return -1;
		if (!r) {
			/* binary data is told only when it held no event (empty_reason) */
			if (s->mapped && !s->any_event && s->end)
				s->st->binary = memchr(s->buf, '\0', s->end) != NULL;
			for (i = 0; i < s->nr; i++)
				s->q[(s->head + i) % (MAX_PENDING + 1)]->done = true;
			if (!s->nr)
				return 0;
			continue;
		}
		/* the free slot's copy of the line is parsed (split in place, the event's strings
		 * point into it): the line itself stays whole, for a skipped-line message */
		if (!(slot = free_slot(s)) ||
		    pft_grow((void **)&slot->line, &slot->cap, len + 1, 1) < 0)
			return -1;
		memcpy(slot->line, line, len);
		memset(&info, 0, sizeof(info));
		switch (pft_parse_line(slot->line, len, &slot->ev, &info)) {
		case PFT_LINE_EVENT:
			if (info.ts_raw)
				s->st->ts_raw = true;
			settle(s, &slot->ev);
			hold(s);
			s->any_event = true;
			break;
		case PFT_LINE_STACK_START:
			s->cur_stack = info.user_stack;
			s->target = stack_owner(s, &slot->ev);
			if (!s->target)
				pft_skip(&s->st->unrecognized, s->st->lines,
					 "a stack without its event", 25);
			if (info.frame && s->target &&
			    add_frame(&s->target->frames[s->cur_stack], info.frame) < 0)
				return -1;
			break;
		case PFT_LINE_STACK_FRAME:
			if (s->target &&
			    add_frame(&s->target->frames[s->cur_stack], info.frame) < 0)
				return -1;
			break;
		case PFT_LINE_LOST:
			s->st->trace_header = true;
			s->st->lost_events += info.lost;
			break;
		case PFT_LINE_HEADER:
			header(s, slot->line);
			break;
		case PFT_LINE_BLANK:
			break;
		case PFT_LINE_MALFORMED:
			pft_skip(&s->st->malformed, s->st->lines, line, len);
			break;
		case PFT_LINE_UNRECOGNIZED:
			pft_skip(&s->st->unrecognized, s->st->lines, line, len);
			break;
		}
	}
}

static void text_close(struct pft_source *src)
{
	struct text *s = src->priv;
	size_t i;

	for (i = 0; i <= MAX_PENDING; i++) {
		if (!s->q[i])
			continue;
		free(s->q[i]->frames[0].text);
		free(s->q[i]->frames[1].text);
		free(s->q[i]->line);
		free(s->q[i]);
	}
	if (s->mapped)
		munmap(s->buf, s->end);
	else
		free(s->buf);
	free(s);
}
/* The exec lines of buf[0, len) (whole lines) told to as: each process's last exec. */
static int note_execs(struct pft_aspace *as, char *buf, size_t len)
{
	static const char key[] = ": sched_process_exec: ";
	char *at = buf, *end = buf + len, line[4096];

	while ((at = memmem(at, (size_t)(end - at), key, sizeof(key) - 1))) {
		char *start = memrchr(buf, '\n', (size_t)(at - buf)),
		     *stop = memchr(at, '\n', (size_t)(end - at));
		struct pft_line_info info;
		struct pft_event ev;
		size_t n;

		start = start ? start + 1 : buf;
		stop = stop ? stop : end;
		n = (size_t)(stop - start);
		at = stop;
		if (n >= sizeof(line))
			continue; /* the parser will count it skipped */
		memcpy(line, start, n);
		memset(&ev, 0, sizeof(ev));
		if (pft_parse_line(line, n, &ev, &info) == PFT_LINE_EVENT &&
		    ev.type == PFT_EV_EXEC && pft_aspace_last_exec(as, ev.tid, ev.ts) < 0)
			return -1;
	}
	return 0;
}

/* Maps given without a time (--maps) are of the image each process ends with: a file (not a
 * pipe) is looked through for its exec lines first, so that the images before a process's
 * last exec are not judged against them. */
static int text_prepare(struct pft_source *src, struct pft_aspace *as, struct pft_syms *syms)
{
	enum {
		CHUNK = 1 << 20
	};
	struct text *s = src->priv;
	size_t have = 0;
	off_t off = 0;
	struct stat sb;
	int ret = 0;
	char *buf;

	(void)syms;
	if (!pft_aspace_has_maps(as))
		return 0;
	if (s->mapped) {
		/* DROP_STEP windows of whole lines (a longer line is no exec line), each given
		 * back once read */
		size_t at = 0;

		while (at < s->end) {
			size_t n = s->end - at < DROP_STEP ? s->end - at : DROP_STEP;
			/* the last window ends at the end, newline or not */
			char *last =
			    at + n == s->end ? s->buf + s->end : memrchr(s->buf + at, '\n', n);

			if (last &&
			    (ret = note_execs(as, s->buf + at, (size_t)(last - s->buf) - at)) < 0)
				break;
			at = last ? (size_t)(last - s->buf) + 1 : at + n;
			drop(s, at);
		}
		s->dropped = 0; /* to be read again from the start */
		return ret;
	}
	if (fstat(fileno(s->f), &sb) < 0 || !S_ISREG(sb.st_mode))
		return 0;
	if (!(buf = malloc(CHUNK)))
		return -1;
	for (;;) {
		ssize_t got = pread(fileno(s->f), buf + have, CHUNK - have, off);
		char *last;

		if (got < 0) {
			ret = errno == EINTR ? 0 : -1;
			if (ret < 0)
				break;
			continue;
		}
		off += got;
		have += (size_t)got;
		last = got ? memrchr(buf, '\n', have) : buf + have;
		if (!last) {
			have = 0; /* a line longer than a chunk: not an exec line */
			continue;
		}
		if ((ret = note_execs(as, buf, (size_t)(last - buf))) < 0 || !got)
			break;
		have -= (size_t)(last + 1 - buf);
		memmove(buf, last + 1, have);
	}
	free(buf);
	return ret;
}

/* The whole of f, mapped, when it is a regular file read only as far as the prefix. */
static bool map_file(struct text *s, FILE *f, size_t n)
{
	struct stat sb;
	void *map;

	if (fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    ftello(f) != (off_t)n)
		return false;
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fileno(f), 0);
	if (map == MAP_FAILED)
		return false; /* read as a stream, then */
	madvise(map, (size_t)sb.st_size, MADV_SEQUENTIAL);
	s->buf = map;
	s->end = (size_t)sb.st_size;
	s->eof = s->mapped = true;
	s->st->binary = memchr(map, '\0', s->end < BINARY_PROBE ? s->end : BINARY_PROBE) != NULL;
	return true;
}

int pft_text_attach(struct pft_source *src, FILE *f, const void *prefix, size_t n)
{
	struct text *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->f = f;
	s->st = &src->st;
	s->st->format = "ftrace-text";
	s->st->lost_events = 0; /* text traces mark every loss they know of: LOST lines, headers */
	src->priv = s;
	src->next = text_next;
	src->prepare = text_prepare;
	src->close = text_close;
	if (map_file(s, f, n))
		return 0;
	s->buf = malloc(TEXT_BUF_SIZE);
	if (!s->buf) {
		errno = ENOMEM;
		return -1; /* s goes with the source */
	}
	memcpy(s->buf, prefix, n);
	s->end = n;
	if (memchr(prefix, '\0', n))
		s->st->binary = true;
	return 0;
}
