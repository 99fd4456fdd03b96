/* SPDX-License-Identifier: MIT */
/*
 * The kernel's fault counters of each task as it exits (taskstats over generic netlink): what
 * /proc/TID/stat said last, for tasks that are gone before anyone could read it (a build's
 * compilers). The kernel sends one message per exiting task on the CPUs we register for;
 * pftrace keeps those of its traced tasks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <sys/socket.h>
#include "internal.h"

#define BUF_SIZE (64 * 1024)

struct pft_taskstats {
	int fd;
	uint16_t family;
	uint32_t seq;
	bool overflowed; /* the socket dropped messages: some exits are not known */
	char *buf;
};

/* Attributes of a netlink message: NLA_ALIGN'ed {u16 len, u16 type, data}. */
static const struct nlattr *attr_next(const struct nlattr *a, const char *end)
{
	const char *next = (const char *)a + NLA_ALIGN(a->nla_len);

	return next + NLA_HDRLEN <= end ? (const struct nlattr *)next : NULL;
}

static bool attr_ok(const struct nlattr *a, const char *end)
{
	return a && (const char *)a + NLA_HDRLEN <= end && a->nla_len >= NLA_HDRLEN &&
	       (const char *)a + a->nla_len <= end;
}

static int put_attr(char *msg, size_t *len, uint16_t type, const void *data, uint16_t size)
{
	struct nlattr *a = (struct nlattr *)(msg + *len);

	if (*len + NLA_HDRLEN + NLA_ALIGN(size) > 256)
		return -1;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + size;
	memcpy((char *)a + NLA_HDRLEN, data, size);
	*len += NLA_ALIGN(a->nla_len);
	return 0;
}

static int request(struct pft_taskstats *t, uint16_t family, uint8_t cmd, uint16_t type,
		   const void *data, uint16_t size)
{
	char msg[256] = {0};
	struct nlmsghdr *nh = (struct nlmsghdr *)msg;
	struct genlmsghdr *gh = (struct genlmsghdr *)(msg + NLMSG_HDRLEN);
	size_t len = NLMSG_HDRLEN + GENL_HDRLEN;
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};

	if (put_attr(msg, &len, type, data, size) < 0)
		return -1;
	nh->nlmsg_len = (uint32_t)len;
	nh->nlmsg_type = family;
	nh->nlmsg_flags = NLM_F_REQUEST;
	nh->nlmsg_seq = ++t->seq;
	nh->nlmsg_pid = 0;
	gh->cmd = cmd;
	gh->version = 1;
	return sendto(t->fd, msg, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -1 : 0;
}

/* The family id of "TASKSTATS" (blocking: the answer comes at once). */
static int family_id(struct pft_taskstats *t)
{
	const char name[] = TASKSTATS_GENL_NAME;
	ssize_t n;

	if (request(t, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, name,
		    sizeof(name)) < 0)
		return -1;
	while ((n = recv(t->fd, t->buf, BUF_SIZE, 0)) < 0 && errno == EINTR)
		;
	if (n < (ssize_t)(NLMSG_HDRLEN + GENL_HDRLEN))
		return -1;
	for (struct nlmsghdr *nh = (struct nlmsghdr *)t->buf; NLMSG_OK(nh, (size_t)n);
	     nh = NLMSG_NEXT(nh, n)) {
		const char *end = (const char *)nh + nh->nlmsg_len;
		const struct nlattr *a;

		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			errno = e->error ? -e->error : ENOENT;
			return -1;
		}
		for (a = (const struct nlattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
		     attr_ok(a, end); a = attr_next(a, end))
			if (a->nla_type == CTRL_ATTR_FAMILY_ID && a->nla_len >= NLA_HDRLEN + 2) {
				memcpy(&t->family, (const char *)a + NLA_HDRLEN, 2);
				return 0;
			}
	}
	errno = ENOENT;
	return -1;
}

struct pft_taskstats *pft_taskstats_open(int cpus)
{
	struct pft_taskstats *t = calloc(1, sizeof(*t));
	struct sockaddr_nl me = {.nl_family = AF_NETLINK};
	int rcvbuf = 8 << 20, err;
	char mask[32];

	if (!t)
		return NULL;
	t->buf = malloc(BUF_SIZE);
	t->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (!t->buf || t->fd < 0 || bind(t->fd, (struct sockaddr *)&me, sizeof(me)) < 0)
		goto fail;
	/* a build's exits come in bursts: room for some thousands (root may pass the limit) */
	if (setsockopt(t->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (family_id(t) < 0)
		goto fail;
	snprintf(mask, sizeof(mask), "0-%d", cpus - 1);
	if (request(t, t->family, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, mask,
		    (uint16_t)strlen(mask) + 1) < 0)
		goto fail;
	return t;
fail:
	err = errno ? errno : EIO;
	pft_taskstats_close(t);
	errno = err;
	return NULL;
}

int pft_taskstats_fd(const struct pft_taskstats *t)
{
	return t->fd;
}

bool pft_taskstats_overflowed(const struct pft_taskstats *t)
{
	return t->overflowed;
}

/* One TASKSTATS_TYPE_AGGR_PID: {TYPE_PID u32, TYPE_STATS struct taskstats}. */
static int one_task(const struct nlattr *aggr, pft_taskstats_cb cb, void *data)
{
	const char *end = (const char *)aggr + aggr->nla_len;
	const struct nlattr *a = (const struct nlattr *)((const char *)aggr + NLA_HDRLEN);
	struct taskstats st;
	uint32_t pid = 0;
	bool have = false;

	for (; attr_ok(a, end); a = attr_next(a, end)) {
		const char *p = (const char *)a + NLA_HDRLEN;
		size_t len = a->nla_len - NLA_HDRLEN;

		if (a->nla_type == TASKSTATS_TYPE_PID && len >= 4)
			memcpy(&pid, p, 4);
		/* older kernels send a shorter struct: what they have is at the same offsets */
		if (a->nla_type == TASKSTATS_TYPE_STATS &&
		    len >= offsetof(struct taskstats, ac_majflt) + sizeof(st.ac_majflt)) {
			memset(&st, 0, sizeof(st));
			memcpy(&st, p, len < sizeof(st) ? len : sizeof(st));
			have = true;
		}
	}
	if (!have || !pid)
		return 0;
	return cb(data, (int)pid, (int)st.ac_tgid, st.ac_minflt, st.ac_majflt);
}

int pft_taskstats_read(struct pft_taskstats *t, pft_taskstats_cb cb, void *data)
{
	for (;;) {
		ssize_t n = recv(t->fd, t->buf, BUF_SIZE, MSG_DONTWAIT);
		struct nlmsghdr *nh;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				t->overflowed = true;
				continue;
			}
			return errno == EAGAIN ? 0 : -1;
		}
		for (nh = (struct nlmsghdr *)t->buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			const char *end = (const char *)nh + nh->nlmsg_len;
			const struct nlattr *a;

			if (nh->nlmsg_type != t->family)
				continue;
			for (a = (const struct nlattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
			     attr_ok(a, end); a = attr_next(a, end))
				if (a->nla_type == TASKSTATS_TYPE_AGGR_PID &&
				    one_task(a, cb, data) < 0)
					return -1;
		}
	}
}

void pft_taskstats_close(struct pft_taskstats *t)
{
	if (!t)
		return;
	/* closing the socket is the deregistration: the kernel drops listeners it cannot reach */
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	free(t);
}
