/* SPDX-License-Identifier: MIT */
/*
 * ptrace, for two things only: to arm tracing exactly at a command's exec (PTRACE_EVENT_EXEC),
 * and to read a process's maps just before it exits (PTRACE_EVENT_EXIT). Tracees are seized
 * (PTRACE_SEIZE), so group-stops are told apart from signals and every signal is passed on.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>
#include "ptrace.h"

int pft_child_spawn(char *const argv[], bool stdout_to_stderr, struct pft_child *c)
{
	int go[2], err[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(go[0]), close(go[1]), close(err[0]), close(err[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		char byte;
		int e;

		/* the command gets the signal state of a normal start, not pftrace's */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (stdout_to_stderr && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(126);
		close(go[1]);
		close(err[0]);
		/* wait until the parent has seized us: the exec is then a ptrace stop */
		if (read(go[0], &byte, 1) != 1)
			_exit(127);
		/* nothing of pftrace's (tracefs, perf, spools) goes into the command */
		close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
		execvp(argv[0], argv);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(e == ENOENT ? 127 : 126);
	}
	close(go[0]);
	close(err[1]);
	c->pid = pid;
	c->go_fd = go[1];
	c->err_fd = err[0];
	return 0;
}

int pft_child_exec(struct pft_child *c, int *exec_errno, int *status)
{
	int e = 0, st;
	ssize_t n;

	*exec_errno = 0;
	if (ptrace(PTRACE_SEIZE, c->pid, 0, PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT) < 0)
		return -1;
	if (write(c->go_fd, "g", 1) != 1)
		return -1;
	close(c->go_fd);
	c->go_fd = -1;
	/* the error pipe closes on a successful exec, or carries errno */
	n = read(c->err_fd, &e, sizeof(e));
	close(c->err_fd);
	c->err_fd = -1;
	if (n == sizeof(e)) {
		*exec_errno = e;
		waitpid(c->pid, status, __WALL);
		/* seen as a ptrace exit stop first, then the exit */
		while (!WIFEXITED(*status) && !WIFSIGNALED(*status)) {
			ptrace(PTRACE_CONT, c->pid, 0, 0);
			if (waitpid(c->pid, status, __WALL) < 0)
				break;
		}
		return 1;
	}
	for (;;) {
		if (waitpid(c->pid, &st, __WALL) < 0)
			return -1;
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			*status = st;
			return 1;
		}
		if (WIFSTOPPED(st) && st >> 8 == (SIGTRAP | PTRACE_EVENT_EXEC << 8))
			return 0; /* stopped at the first instruction of the new image */
		ptrace(PTRACE_CONT, c->pid, 0, WIFSTOPPED(st) ? WSTOPSIG(st) : 0);
	}
}

int pft_ptrace_seize(pid_t pid)
{
	return ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXIT);
}

int pft_ptrace_resume(pid_t pid)
{
	return ptrace(PTRACE_CONT, pid, 0, 0);
}

int pft_ptrace_poll(pid_t *pid, int *status)
{
	int st;
	pid_t p = waitpid(-1, &st, WNOHANG | __WALL);

	if (p == 0 || (p < 0 && errno == ECHILD))
		return PFT_STOP_NONE;
	if (p < 0)
		return -1;
	*pid = p;
	*status = st;
	if (WIFEXITED(st) || WIFSIGNALED(st))
		return PFT_STOP_EXITED;
	if (!WIFSTOPPED(st))
		return PFT_STOP_OTHER;
	if (st >> 8 == (SIGTRAP | PTRACE_EVENT_EXIT << 8))
		return PFT_STOP_EXIT_EVENT;
	if (st >> 8 == (SIGTRAP | PTRACE_EVENT_EXEC << 8))
		return PFT_STOP_EXEC_EVENT;
	if (st >> 16 == PTRACE_EVENT_STOP) {
		int sig = WSTOPSIG(st);

		/* a group-stop (SIGSTOP, ^Z) keeps the tracee stopped, as without us, until a
		 * SIGCONT: the caller listens */
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
			*status = sig;
			return PFT_STOP_GROUP;
		}
		/* any other (SIGTRAP: the news that a SIGCONT came, or an interrupt) runs on */
		ptrace(PTRACE_CONT, p, 0, 0);
		return PFT_STOP_OTHER;
	}
	if (st >> 16) { /* another ptrace event: none asked for, nothing to deliver */
		ptrace(PTRACE_CONT, p, 0, 0);
		return PFT_STOP_OTHER;
	}
	*status = WSTOPSIG(st);
	return PFT_STOP_SIGNAL;
}

int pft_ptrace_deliver(pid_t pid, int sig)
{
	return ptrace(PTRACE_CONT, pid, 0, sig);
}

int pft_ptrace_listen(pid_t pid)
{
	return ptrace(PTRACE_LISTEN, pid, 0, 0);
}

static bool job_stop(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

int pft_ptrace_hold(pid_t pid)
{
	int st;

	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0)
		return errno == ESRCH ? PFT_HOLD_GONE : -1;
	for (;;) {
		if (waitpid(pid, &st, __WALL) < 0)
			return errno == ECHILD ? PFT_HOLD_GONE : -1;
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return PFT_HOLD_GONE;
		if (!WIFSTOPPED(st))
			continue;
		/* its exit: its maps are still there, and it goes on exiting once released */
		if (st >> 8 == (SIGTRAP | PTRACE_EVENT_EXIT << 8))
			return PFT_HOLD_EXITING;
		if (st >> 16 == PTRACE_EVENT_STOP)
			return job_stop(WSTOPSIG(st)) ? PFT_HOLD_STOPPED : PFT_HOLD_RUNNING;
		/* a signal on its way: delivered as without us, and the interrupt still comes */
		if (ptrace(PTRACE_CONT, pid, 0, st >> 16 ? 0 : WSTOPSIG(st)) < 0)
			return errno == ESRCH ? PFT_HOLD_GONE : -1;
	}
}

int pft_ptrace_release(pid_t pid, int hold)
{
	if (hold == PFT_HOLD_GONE)
		return 0;
	/* a job's stop stays one; an exit goes on */
	return ptrace(hold == PFT_HOLD_STOPPED ? PTRACE_LISTEN : PTRACE_CONT, pid, 0, 0);
}

void pft_child_abandon(struct pft_child *c)
{
	if (c->go_fd >= 0)
		close(c->go_fd);
	if (c->err_fd >= 0)
		close(c->err_fd);
	c->go_fd = c->err_fd = -1;
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, __WALL);
		c->pid = -1;
	}
}
