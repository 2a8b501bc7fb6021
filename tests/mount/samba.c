/*
 * The mount shared by Samba, as the Migration Wizard reaches it: a real
 * smbd shares a ccmailfs mount, and smbclient fetches the whole share
 * (the bytes must be ccmail2iff's), reads the sizes (exact before any
 * byte is read) and tries to write (refused). Once with Samba's defaults
 * (SMB2 and up), once as the README configures it for the Wizard on
 * Windows NT 4.0 and 2000 (SMB1, NTLMv1, readable by one group only).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tl.h"
#include "smbd.h"

TestSuite(samba, .init = tl_smbd_init, .fini = tl_smbd_fini, .timeout = 180);

/*
 * Two post offices, tricky names, and one attachment of megabytes, which
 * takes many SMB reads. Returns the mount; ref gets ccmail2iff's tree.
 */
static struct tl_mount *shared_mount(char *ref, const char *const opts[])
{
	char src[TL_PATH];
	tl_make_client_source(23, "3M", src, ref);
	/* smbd serves the share as its user, who must reach the mount
	 * point; mkdtemp made the scratch folder 0700. */
	cr_assert(chmod(tl_scratch(), 0755) == 0);
	return tl_mount(src, opts);
}

/* How many times needle occurs in text. */
static size_t count(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/*
 * allinfo on every file of the share, in one session and before anything
 * has read them: each size must be what stat gives on the mount, which
 * the byte comparison then proves right.
 */
static void check_allinfo_sizes(const char *mnt, bool nt4)
{
	struct tl_list l;
	tl_list_tree(mnt, &l);
	size_t cap = l.n * (TL_PATH + 16) + 1, len = 0, files = 0;
	char *cmd = malloc(cap);
	cr_assert_not_null(cmd);
	cmd[0] = '\0';
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i][strlen(l.v[i]) - 1] != '/') {
			len += (size_t)snprintf(cmd + len, cap - len,
			                        "allinfo \"%s\";", l.v[i]);
			files++;
		}
	int rc;
	char *out = tl_smbclient("ccmail", nt4, cmd, &rc);
	const char *key = "stream: [::$DATA], ";
	cr_assert(rc == 0 && count(out, key) == files,
	          "allinfo of %zu files (exit %d):\n%s", files, rc, out);
	const char *at = out;
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i][strlen(l.v[i]) - 1] == '/')
			continue;
		at = strstr(at, key) + strlen(key);
		char p[TL_PATH];
		tl_join(p, "%s/%s", mnt, l.v[i]);
		struct stat st;
		cr_assert(stat(p, &st) == 0, "%s: %s", p, strerror(errno));
		long long size = strtoll(at, NULL, 10);
		cr_assert_eq(size, (long long)st.st_size,
		             "%s: allinfo says %lld bytes, stat %lld", l.v[i],
		             size, (long long)st.st_size);
	}
	free(out);
	free(cmd);
	tl_list_free(&l);
}

/* smbclient fetches the whole share; the copy must be ref, byte for byte. */
static void fetch_matches(const char *ref, bool nt4)
{
	char got[TL_PATH], cmd[2 * TL_PATH];
	tl_newdir(got, nt4 ? "fetched-nt1" : "fetched");
	tl_join(cmd, "lcd \"%s\"; recurse ON; prompt OFF; mget *", got);
	int rc;
	char *out = tl_smbclient("ccmail", nt4, cmd, &rc);
	cr_assert(rc == 0 && !strstr(out, "NT_STATUS_"), "mget (exit %d):\n%s",
	          rc, out);
	free(out);
	tl_assert_same_tree(got, ref, 0);
}

Test(samba, share_matches_ccmail2iff)
{
	tl_require_root();
	char ref[TL_PATH];
	static const char *const opts[] = {"-o", "allow_other", NULL};
	struct tl_mount *m = shared_mount(ref, opts);
	tl_smbd_start(m->mnt, 0);
	check_allinfo_sizes(m->mnt, false);
	fetch_matches(ref, false);

	/* Samba's defaults turn NT 4.0's client away: hence the settings
	 * of the README and of the next tests. */
	int rc;
	char *out = tl_smbclient("ccmail", true, "ls", &rc);
	cr_assert(rc != 0 && !strstr(out, "REPORT"),
	          "an SMB1 client got in with Samba's defaults:\n%s", out);
	free(out);
	tl_smbd_stop();
	tl_finish();
}

/*
 * Every kind of write, through the read-only share (Samba refuses) and
 * through a writable one whose writes run as root (the mount refuses:
 * EROFS, which SMB calls "media write protected"). The mount is the same
 * afterwards.
 */
Test(samba, writes_are_refused)
{
	tl_require_root();
	char ref[TL_PATH], cmd[4 * TL_PATH];
	static const char *const opts[] = {"-o", "allow_other", NULL};
	struct tl_mount *m = shared_mount(ref, opts);
	struct tl_list top;
	tl_list_dir(m->mnt, &top);
	const char *po = top.v[0];
	tl_smbd_start(m->mnt, 0);

	enum { WRITES = 6 };
	tl_join(cmd,
	        "put \"%s/%s/%s.PKL\" NEW.TXT; mkdir NEWDIR; "
	        "rm \"%s/REPORT.TXT\"; rename \"%s/REPORT.TXT\" \"%s/R.TXT\"; "
	        "put \"%s/%s/%s.PKL\" \"%s/REPORT.TXT\"; mkdir \"%s/NEWDIR\"",
	        ref, po, po, po, po, po, ref, po, po, po, po);
	static const char *const shares[] = {"ccmail", "rw"};
	static const char *const status[] = {"NT_STATUS_ACCESS_DENIED",
	                                     "NT_STATUS_MEDIA_WRITE_PROTECTED"};
	for (int i = 0; i < 2; i++) {
		int rc;
		char *out = tl_smbclient(shares[i], false, cmd, &rc);
		cr_assert_eq(count(out, "NT_STATUS_"), WRITES,
		             "[%s]: not %d refusals:\n%s", shares[i], WRITES,
		             out);
		cr_assert_eq(count(out, status[i]), WRITES,
		             "[%s]: not %d times %s:\n%s", shares[i], WRITES,
		             status[i], out);
		free(out);
	}
	tl_list_free(&top);
	tl_assert_same_tree(m->mnt, ref, 0);
	tl_smbd_stop();
	tl_finish();
}

/* Asserts owner, group and permission bits of path. */
static void check_mode(const char *path, mode_t mode, gid_t gid)
{
	struct stat st;
	cr_assert(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
	cr_assert(st.st_uid == 0 && st.st_gid == gid &&
	                  (st.st_mode & 07777) == mode,
	          "%s: %u:%u %04o, not 0:%u %04o", path, (unsigned)st.st_uid,
	          (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777),
	          (unsigned)gid, (unsigned)mode);
}

/* Can a local user outside the share's group (nobody) open path? */
static bool stranger_can_read(const char *path)
{
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		_exit(open(path, O_RDONLY) >= 0 ? 0 : 1);
	}
	int rc = tl_wait_pid(pid, 30);
	cr_assert(rc == 0 || rc == 1, "the stranger's child exited with %d",
	          rc);
	return rc == 0;
}

/*
 * The README's share for the Wizard on NT 4.0 and 2000: SMB1 and NTLMv1
 * allowed, the mount readable by the share's group only. The client
 * speaks as NT 4.0.
 */
Test(samba, smb1_share_for_the_wizard)
{
	tl_require_root();
	char ref[TL_PATH], opt[64], p[TL_PATH];
	snprintf(opt, sizeof(opt), "allow_other,gid=%d,umask=027", TL_SMB_GID);
	const char *const opts[] = {"-o", opt, NULL};
	struct tl_mount *m = shared_mount(ref, opts);
	struct tl_list top;
	tl_list_dir(m->mnt, &top);
	check_mode(m->mnt, 0550, TL_SMB_GID);
	tl_join(p, "%s/%s", m->mnt, top.v[0]);
	check_mode(p, 0550, TL_SMB_GID);
	tl_join(p, "%s/%s/%s.PKL", m->mnt, top.v[0], top.v[0]);
	check_mode(p, 0440, TL_SMB_GID);
	cr_assert(!stranger_can_read(p), "a user outside the group read %s", p);
	tl_list_free(&top);

	tl_smbd_start(m->mnt, TL_SMB_NT1 | TL_SMB_NTLMV1);
	check_allinfo_sizes(m->mnt, true);
	fetch_matches(ref, true);
	tl_smbd_stop();
	tl_finish();
}

/* SMB1 alone is not enough for NT 4.0: its NTLMv1 logon is refused. */
Test(samba, smb1_without_ntlmv1_refuses_nt4)
{
	tl_require_root();
	char dir[TL_PATH];
	tl_newdir(dir, "share");
	tl_smbd_start(dir, TL_SMB_NT1);
	int rc;
	char *out = tl_smbclient("ccmail", true, "ls", &rc);
	cr_assert(rc != 0 && strstr(out, "NT_STATUS_LOGON_FAILURE"),
	          "NTLMv1 logon without ntlm auth = ntlmv1-permitted (exit "
	          "%d):\n%s",
	          rc, out);
	free(out);
	tl_smbd_stop();
}
