/* SPDX-License-Identifier: MIT */
/* ptrace for record: arm tracing at a command's exec, read maps at a process's exit. */
#ifndef PFTRACE_PTRACE_H
#define PFTRACE_PTRACE_H

#include <stdbool.h>
#include <sys/types.h>

struct pft_child {
	pid_t pid;
	int go_fd, err_fd;
};

enum {
	PFT_STOP_NONE,	     /* nothing happened */
	PFT_STOP_EXIT_EVENT, /* *pid is about to exit: its maps are still readable; resume it */
	PFT_STOP_EXEC_EVENT, /* *pid exec'd: the new image, before its first instruction; resume it
			      */
	PFT_STOP_EXITED,     /* *pid is gone: *status as from waitpid */
	PFT_STOP_SIGNAL, /* signal *status is about to reach *pid: pft_ptrace_deliver it (or 0) */
	PFT_STOP_GROUP,	 /* *pid stopped as a job does (signal *status): pft_ptrace_listen */
	PFT_STOP_OTHER,	 /* anything else, already handled */
};

/* Forks a child that waits, then execs argv with pftrace's signal state undone. With
 * stdout_to_stderr its standard output is its standard error (pftrace's stdout is JSON). */
int pft_child_spawn(char *const argv[], bool stdout_to_stderr, struct pft_child *c);
/* Seizes the child and lets it exec. 0: it is stopped at its first instruction (resume it with
 * pft_ptrace_resume); 1: exec failed (*exec_errno) or it died (*status); -1 with errno. */
int pft_child_exec(struct pft_child *c, int *exec_errno, int *status);
/* Kills and reaps a child that must not run. */
void pft_child_abandon(struct pft_child *c);
/* Seizes a running process to be told of its exit; it keeps running. */
int pft_ptrace_seize(pid_t pid);
int pft_ptrace_resume(pid_t pid);
/* What pft_ptrace_hold found. */
enum {
	PFT_HOLD_RUNNING, /* held: pft_ptrace_release resumes it */
	PFT_HOLD_STOPPED, /* held in a job's stop: released into it (a SIGCONT ends it) */
	PFT_HOLD_EXITING, /* held at its exit (its maps still there): released, it ends */
	PFT_HOLD_GONE,	  /* it exited (its status is taken) */
};
/* Stops a seized tracee's thread pid for a moment (PTRACE_INTERRUPT): nothing it does changes
 * its memory until released. A signal that comes meanwhile is passed on. PFT_HOLD_*, or -1. */
int pft_ptrace_hold(pid_t pid);
/* Lets a held tracee go on as it was (hold: what pft_ptrace_hold said). */
int pft_ptrace_release(pid_t pid, int hold);
/* Non-blocking: handles what the tracees did and says what the caller must know. -1 on error. */
int pft_ptrace_poll(pid_t *pid, int *status);
/* Resumes a tracee stopped at a signal, with that signal (or another, or 0: none). */
int pft_ptrace_deliver(pid_t pid, int sig);
/* Leaves a tracee in its group-stop, as a stopped job: a SIGCONT resumes it. */
int pft_ptrace_listen(pid_t pid);

#endif
