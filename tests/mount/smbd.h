/*
 * A private Samba server for one test: Debian's real smbd, started by the
 * test on 127.0.0.1 at a free high port, with its own smb.conf and its own
 * state, lock, pid, cache and log folders under the test's scratch folder,
 * so that it never reads or changes the system's Samba configuration or
 * state. Its one user lives in a private passdb, and in passwd and group
 * files read through nss_wrapper (LD_PRELOAD), so no system account is
 * created either.
 *
 * Needs tl_setup to have run (the scratch folder). One server per test
 * process. tl_smbd_init, called from the suite's .init, makes sure the
 * server is stopped whatever ends the test: tl_smbd_fini (the suite's
 * .fini, also run at exit) kills it and reaps it and its helpers, and
 * smbd gets SIGTERM should the test process die (PR_SET_PDEATHSIG).
 */
#ifndef CCM_TESTS_MOUNT_SMBD_H
#define CCM_TESTS_MOUNT_SMBD_H

#include <stdbool.h>
#include <sys/types.h>

/* The share's user and its group (they exist only for smbd). */
#define TL_SMB_USER "ccmshare"
#define TL_SMB_UID 47111
#define TL_SMB_GID 47112

/* What the server accepts beyond Samba's defaults (SMB2 and up, NTLMv2). */
#define TL_SMB_NT1 1u    /* server min protocol = NT1 */
#define TL_SMB_NTLMV1 2u /* ntlm auth = ntlmv1-permitted */

/* .init and .fini of a suite that runs smbd (they call tl_setup and
 * tl_teardown). */
void tl_smbd_init(void);
void tl_smbd_fini(void);

/*
 * Writes the configuration and the user, starts smbd and waits until it
 * listens (up to 30 s; fails at once if it exits). It shares dir twice:
 * [ccmail] read-only, as the README advises, and [rw] writable and
 * written as root, a misconfigured share whose writes only the mount
 * itself can refuse. flags: TL_SMB_*.
 */
void tl_smbd_start(const char *dir, unsigned flags);
/* SIGTERM, then asserts that smbd ends (0 or of SIGTERM), leaves no
 * process behind and logged no trouble. */
void tl_smbd_stop(void);

/*
 * Runs smbclient -c cmd on //127.0.0.1/share as the share's user. nt4:
 * speak as Windows NT 4.0 does (SMB1 only, NTLMv1 without SPNEGO);
 * otherwise smbclient's defaults (SMB2 and up). Returns its stdout and
 * stderr (malloc'd); *rc gets its exit code.
 */
char *tl_smbclient(const char *share, bool nt4, const char *cmd, int *rc);

#endif
