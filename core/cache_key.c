/*
 * The options key of an index file (cache_key.h). Besides the options
 * themselves, the mail views read two files whose bytes change their
 * output: the zoneinfo file of -o tz= (a new release of the zone rules
 * may move a summer time) and the map of -o addrmap=. Each is named in
 * the key with its length and checksum, read when the key is made: the
 * file is small, and a checksum, unlike a file's times, also catches a
 * copy of the old bytes put back, or the same name in another working
 * folder. The IFF view reads neither, so its key leaves them out.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache_key.h"
#include "cache_sum.h"
#include "tz.h"

#define CHUNK ((size_t)64 * 1024)

/*
 * "LEN:SUM" of file path's bytes, or "unreadable". A pipe, as in
 * addrmap=<(make-map), was already read to its end by the load: its
 * bytes cannot be summed again, so its line names this process and
 * time, which no later key repeats; such a source is scanned each time.
 * Opened without waiting, so that a FIFO never blocks here.
 */
static void file_sum(const char *tag, const char *path, struct ccm_buf *key)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		ccm_buf_printf(key, "%s=%s not a file: %ld.%lld.%09ld\n", tag,
		               path, (long)getpid(), (long long)now.tv_sec,
		               now.tv_nsec);
		close(fd);
		return;
	}
	char *buf = fd >= 0 ? malloc(CHUNK) : NULL;
	struct ccm_cache_sum sum = {0, 0};
	uint64_t len = 0;
	bool ok = buf != NULL;
	for (size_t got = 0; ok;) {
		ssize_t k = read(fd, buf + got, CHUNK - got);
		ok = k >= 0;
		if (k > 0)
			got += (size_t)k;
		if (ok && (k == 0 || got == CHUNK)) {
			ccm_cache_sum_at(&sum, len, buf, got);
			len += got;
			if (k == 0)
				break;
			got = 0;
		}
	}
	if (ok)
		ccm_buf_printf(
		        key, "%s=%s %llu:%016llx\n", tag, path,
		        (unsigned long long)len,
		        (unsigned long long)ccm_cache_sum_end(&sum, len));
	else
		ccm_buf_printf(key, "%s=%s unreadable\n", tag, path);
	free(buf);
	if (fd >= 0)
		close(fd);
}

static void mail_options(const struct ccm_options *o, struct ccm_buf *key)
{
	ccm_buf_printf(key, "tz=%s\n", o->tz ? o->tz : "");
	/* A zone name, not an offset: its rules are in its file. */
	if (o->tz && o->tz[0] != '+' && o->tz[0] != '-') {
		char path[512];
		ccm_tz_file(o->tz, path, sizeof(path));
		file_sum("tz_file", path, key);
	}
	if (o->addrmap)
		file_sum("addrmap", o->addrmap, key);
}

void ccm_cache_key(const struct ccm_options *o, const char *root,
                   struct ccm_buf *key)
{
	ccm_buf_printf(key, "source=%s\n", root);
	ccm_buf_printf(key, "out_codepage=%u\n", o->out_codepage);
	ccm_buf_printf(key, "dos83=%d\n", o->dos83);
	ccm_buf_printf(key, "sec_split=%llu\n",
	               (unsigned long long)o->sec_split);
	ccm_buf_printf(key, "date_order=%d\n", (int)o->date_order);
	ccm_buf_printf(key, "view=%d\n", (int)o->view);
	if (o->view != CCM_VIEW_IFF)
		mail_options(o, key);
	/* Build constants that shape the index. */
	ccm_buf_printf(key, "seek_step=%llu\nplan_min=%u\n",
	               (unsigned long long)CCM_SEEK_STEP, CCM_PLAN_MIN);
}
