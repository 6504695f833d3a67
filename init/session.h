/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An exec session on the control channel: control.c's, and session.c's. */
#ifndef BULKHEAD_SESSION_H
#define BULKHEAD_SESSION_H

#include <poll.h>

#include "init.h"

#define SESSION_POLL_FDS 3 /* stdout (or the master), stderr (or the console socket), stdin */

struct session;
/* A request for NAME being built; NULL without memory. */
struct session *session_new(const char *name, bool interactive, bool terminal);
/* Ends it: a command still running is killed (OPS->exec_cancel); ENDED
 * then finds no session and does nothing. */
void session_free(struct session *s, const struct control_ops *ops);
/* arg, arg+, run, in, eof, winch. At run, the command starts through OPS,
 * ENDED(CTX, pid, status) to come from the reaper. -EINVAL for a line out
 * of place (the session goes on); -EPROTO for stdin beyond the credit
 * granted (the host does not keep the protocol: end the session). */
int session_line(struct session *s, const struct control_ops *ops, const struct control_request *req,
		 void (*ended)(void *, pid_t, int), void *ctx);
pid_t session_pid(const struct session *s);
/* The reaper's word: the session process is over with STATUS. */
void session_ended(struct session *s, int status);
/* run was read: the command started, or was refused. */
bool session_started(const struct session *s);
/* SESSION_POLL_FDS slots; its pipes only when the answer has room. */
void session_poll_fds(const struct session *s, struct pollfd *fds, bool room_for_output);
/* Moves stdin on, grants stdin credit, receives the master, and puts frames (contract.h) in
 * OUT, at most ROOM bytes; their length. *DONE once the exit frame is in. */
size_t session_pump(struct session *s, char *out, size_t room, bool *done);

#endif
