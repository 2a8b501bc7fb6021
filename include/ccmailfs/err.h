/*
 * ccmailfs: the core's error codes.
 *
 * The core never speaks errno: every failure is one of these, and only the
 * programs in fs/ turn them into errno values or exit codes.
 */
#ifndef CCM_ERR_H
#define CCM_ERR_H

typedef enum ccm_err {
	CCM_OK = 0,
	CCM_ERR_NOMEM,     /* out of memory */
	CCM_ERR_IO,        /* a source file could not be read */
	CCM_ERR_NOENT,     /* no such post office, file or name */
	CCM_ERR_SOURCE,    /* the source is missing or unreadable */
	CCM_ERR_NOTEXPORT, /* the source holds no PO.INI */
	CCM_ERR_NATIVE,    /* the source is a native DB6/DB8 post office */
	CCM_ERR_CHANGED,   /* a source file changed since the scan */
	CCM_ERR_INVAL,     /* a bad argument (option value, range) */
} ccm_err;

/* A short English phrase for an error, never NULL. */
const char *ccm_strerror(ccm_err err);

#endif
