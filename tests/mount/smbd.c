/*
 * A private smbd for one test (see smbd.h).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tl.h"
#include "smbd.h"

#define PASSWORD "Mig-2000!"

/* The server of this test process; pid 0 when none runs. */
static struct {
	char dir[TL_PATH];  /* its folders and files */
	char conf[TL_PATH]; /* its smb.conf */
	char log[TL_PATH];  /* smbd's stdout and stderr */
	int port;
	pid_t pid; /* smbd, leader of its own process group */
	pid_t owner;
} srv;
static int client_serial;

/*
 * nss_wrapper gives smbd and smbpasswd the share's user and group from
 * files of ours, in place of /etc/passwd and /etc/group: Samba needs a
 * Unix account behind each of its users, and a test must not add one to
 * the system. root and nobody are there for smbd's own look-ups.
 */
static void write_identities(void)
{
	char path[TL_PATH], text[512];
	tl_join(path, "%s/passwd", srv.dir);
	snprintf(text, sizeof(text),
	         "root:x:0:0:root:/root:/bin/false\n"
	         "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
	         "%s:x:%d:%d:share user:/nonexistent:/bin/false\n",
	         TL_SMB_USER, TL_SMB_UID, TL_SMB_GID);
	tl_write(path, text, strlen(text));
	tl_join(path, "%s/group", srv.dir);
	snprintf(text, sizeof(text),
	         "root:x:0:\nnogroup:x:65534:\n%s:x:%d:%s\n", TL_SMB_USER,
	         TL_SMB_GID, TL_SMB_USER);
	tl_write(path, text, strlen(text));
}

/* The three environment settings that put nss_wrapper under a command. */
static void identity_env(char *preload, char *pw, char *gr)
{
	tl_join(preload, "LD_PRELOAD=libnss_wrapper.so");
	tl_join(pw, "NSS_WRAPPER_PASSWD=%s/passwd", srv.dir);
	tl_join(gr, "NSS_WRAPPER_GROUP=%s/group", srv.dir);
}

/*
 * Every folder Samba would otherwise take from its build (under /var and
 * /run) is named here. The shares follow the README's advice: [ccmail]
 * read-only for the group of the share's users. [rw] is the mistake the
 * README warns against, a writable share writing as root, to show that
 * the mount refuses writes by itself.
 */
static void write_conf(const char *share, unsigned flags)
{
	const char *d = srv.dir;
	char text[6 * TL_PATH];
	int n = snprintf(
	        text, sizeof(text),
	        "[global]\n"
	        "server role = standalone server\n"
	        "interfaces = 127.0.0.1\n"
	        "bind interfaces only = yes\n"
	        "hosts allow = 127.0.0.1\n"
	        "smb ports = %d\n"
	        "disable netbios = yes\n"
	        "private dir = %s/private\n"
	        "lock directory = %s/lock\n"
	        "state directory = %s/state\n"
	        "cache directory = %s/cache\n"
	        "pid directory = %s/pid\n"
	        "ncalrpc dir = %s/ncalrpc\n"
	        "log file = %s/smbd.log\n"
	        "passdb backend = tdbsam:%s/private/passdb.tdb\n"
	        "usershare path =\n"
	        "load printers = no\n"
	        "printcap name = /dev/null\n"
	        "disable spoolss = yes\n"
	        "rpc start on demand helpers = no\n"
	        "map to guest = never\n"
	        "%s%s"
	        "\n[ccmail]\npath = %s\nread only = yes\nvalid users = @%s\n"
	        "\n[rw]\npath = %s\nread only = no\nforce user = root\n",
	        srv.port, d, d, d, d, d, d, d, d,
	        flags & TL_SMB_NT1 ? "server min protocol = NT1\n" : "",
	        flags & TL_SMB_NTLMV1 ? "ntlm auth = ntlmv1-permitted\n" : "",
	        share, TL_SMB_USER, share);
	cr_assert(n > 0 && (size_t)n < sizeof(text));
	tl_join(srv.conf, "%s/smb.conf", d);
	tl_write(srv.conf, text, (size_t)n);
}

/* Makes the server's folders and its user (smbpasswd -a, private passdb). */
static void make_state(void)
{
	static const char *const subdirs[] = {"private", "lock", "state",
	                                      "cache",   "pid",  "ncalrpc"};
	tl_newdir(srv.dir, "smbd");
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(*subdirs); i++) {
		char p[TL_PATH];
		tl_join(p, "%s/%s", srv.dir, subdirs[i]);
		cr_assert(mkdir(p, i == 0 ? 0700 : 0755) == 0, "mkdir %s: %s",
		          p, strerror(errno));
	}
	write_identities();
}

static void add_user(void)
{
	char preload[TL_PATH], pw[TL_PATH], gr[TL_PATH];
	identity_env(preload, pw, gr);
	int rc = tl_shell("printf '%%s\\n%%s\\n' '%s' '%s' | "
	                  "env %s '%s' '%s' smbpasswd -c '%s' -s -a %s",
	                  PASSWORD, PASSWORD, preload, pw, gr, srv.conf,
	                  TL_SMB_USER);
	if (rc != 0) {
		char log[TL_PATH];
		tl_join(log, "%s/shell.log", tl_scratch());
		cr_assert_fail("smbpasswd -a exited with %d:\n%s", rc,
		               tl_slurp(log, NULL));
	}
}

/* A TCP port of 127.0.0.1 that nothing listens on, from the kernel. */
static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	cr_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	                  getsockname(fd, (struct sockaddr *)&a, &len) == 0,
	          "bind: %s", strerror(errno));
	close(fd);
	return ntohs(a.sin_port);
}

static bool listening(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/*
 * smbd in the foreground, told to die with the test process. Without
 * --no-process-group it makes a session of its own (setsid), so its
 * helpers are in a process group that its pid names: the end can make
 * sure none is left.
 */
static pid_t spawn_smbd(void)
{
	char preload[TL_PATH], pw[TL_PATH], gr[TL_PATH];
	identity_env(preload, pw, gr);
	const char *argv[] = {
	        "env",          preload,          pw,   gr,       "smbd",
	        "--foreground", "--debug-stdout", "-s", srv.conf, NULL};
	int log = open(srv.log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	cr_assert(log >= 0, "%s: %s", srv.log, strerror(errno));
	pid_t pid = tl_spawn(argv, NULL, log, log, true);
	close(log);
	return pid;
}

/* Reaps the process group of smbd; true once it is empty. */
static bool group_gone(pid_t pgid, int timeout_s)
{
	for (long waited = 0; waited <= timeout_s * 1000L; waited += 10) {
		while (waitpid(-pgid, NULL, WNOHANG) > 0)
			;
		if (kill(-pgid, 0) != 0 && errno == ESRCH)
			return true;
		usleep(10000);
	}
	return false;
}

/* Waits until smbd listens; false if it exited first (port taken?). */
static bool wait_listening(void)
{
	for (int i = 0; i < 3000; i++) {
		int status;
		if (waitpid(srv.pid, &status, WNOHANG) == srv.pid) {
			kill(-srv.pid, SIGKILL);
			group_gone(srv.pid, 10);
			srv.pid = 0;
			return false;
		}
		if (listening(srv.port)) {
			cr_assert_eq(getpgid(srv.pid), srv.pid,
			             "smbd has no process group of its own");
			return true;
		}
		usleep(10000);
	}
	cr_assert_fail("smbd does not listen on port %d after 30 s:\n%s",
	               srv.port, tl_slurp(srv.log, NULL));
	return false;
}

void tl_smbd_start(const char *dir, unsigned flags)
{
	cr_assert_eq(srv.pid, 0, "one smbd per test");
	make_state();
	tl_join(srv.log, "%s/smbd.out", srv.dir);
	/* Another program may take the free port before smbd binds it. */
	for (int attempt = 0; attempt < 3; attempt++) {
		srv.port = free_port();
		write_conf(dir, flags);
		if (attempt == 0)
			add_user();
		srv.pid = spawn_smbd();
		if (wait_listening())
			return;
	}
	cr_assert_fail("smbd exited at start:\n%s", tl_slurp(srv.log, NULL));
}

/*
 * Stops smbd and reaps its helpers, which the fixture's subreaper made
 * our children; what does not go in time is killed. Returns smbd's exit
 * code (as tl_wait_pid) and whether its group ended by itself.
 */
static int end_server(bool *clean)
{
	pid_t pid = srv.pid;
	srv.pid = 0;
	kill(pid, SIGTERM);
	int rc = tl_wait_pid(pid, 20);
	*clean = group_gone(pid, 10);
	if (!*clean) {
		kill(-pid, SIGKILL);
		group_gone(pid, 10);
	}
	return rc;
}

void tl_smbd_stop(void)
{
	cr_assert_neq(srv.pid, 0, "no smbd runs");
	bool clean;
	int rc = end_server(&clean);
	/* smbd 4.17 dies of the signal, after its clean-up. */
	cr_assert(rc == 0 || rc == 128 + SIGTERM,
	          "smbd exited with %d on SIGTERM:\n%s", rc,
	          tl_slurp(srv.log, NULL));
	cr_assert(clean, "processes of smbd were left after it ended");
	/* At its default level smbd logs only what went wrong. */
	tl_assert_quiet_log(srv.log);
}

static void stop_quietly(void)
{
	bool clean;
	if (srv.pid > 0 && getpid() == srv.owner)
		end_server(&clean);
}

void tl_smbd_init(void)
{
	static bool hooked;
	tl_setup();
	srv.owner = getpid();
	/* Registered after tl_setup's own hook, so it runs first: smbd
	 * lets go of the mount before the mount is undone. */
	if (!hooked)
		atexit(stop_quietly);
	hooked = true;
}

void tl_smbd_fini(void)
{
	stop_quietly();
	tl_teardown();
}

char *tl_smbclient(const char *share, bool nt4, const char *cmd, int *rc)
{
	char service[TL_PATH], port[16], log[TL_PATH];
	tl_join(service, "//127.0.0.1/%s", share);
	snprintf(port, sizeof(port), "%d", srv.port);
	tl_join(log, "%s/smbclient%d.out", srv.dir, ++client_serial);
	/* Windows NT 4.0 knows neither SMB2 nor SPNEGO, and before its
	 * Service Pack 4 no NTLMv2 (smbclient calls the last two options
	 * deprecated, and warns). */
	const char *argv[24] = {"smbclient", service, "-p",
	                        port,        "-U",    TL_SMB_USER "%" PASSWORD,
	                        "-s",        srv.conf};
	size_t n = 8;
	if (nt4) {
		argv[n++] = "--max-protocol=NT1";
		argv[n++] = "--option=client min protocol=NT1";
		argv[n++] = "--option=client ntlmv2 auth=no";
		argv[n++] = "--option=client use spnego=no";
	}
	argv[n++] = "-c";
	argv[n++] = cmd;
	argv[n] = NULL;
	*rc = tl_run(argv, log, log, 120);
	return tl_slurp(log, NULL);
}
