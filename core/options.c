/*
 * The rules of the options both programs take, kept in the core so that
 * the programs and the scan read a date order the same way.
 */
#include <string.h>

#include "ascii.h"
#include "ccmailfs/ccmailfs.h"

static const char *const ORDERS[] = {
        [CCM_DATE_MDY] = "MDY",
        [CCM_DATE_DMY] = "DMY",
        [CCM_DATE_YMD] = "YMD",
};

bool ccm_date_order_parse(const char *s, size_t n, enum ccm_date_order *order)
{
	for (int o = CCM_DATE_MDY; o <= CCM_DATE_YMD; o++)
		if (n == 3 && ccm_caseeq(s, ORDERS[o], 3)) {
			*order = (enum ccm_date_order)o;
			return true;
		}
	return false;
}

const char *ccm_date_order_name(enum ccm_date_order order)
{
	return order == CCM_DATE_DMY || order == CCM_DATE_YMD
	               ? ORDERS[order]
	               : ORDERS[CCM_DATE_MDY];
}

static const char *const VIEWS[] = {
        [CCM_VIEW_IFF] = "iff",
        [CCM_VIEW_MAILDIR] = "maildir",
        [CCM_VIEW_EML] = "eml",
};

bool ccm_view_parse(const char *s, enum ccm_view *view)
{
	for (int v = CCM_VIEW_IFF; v <= CCM_VIEW_EML; v++)
		if (!strcmp(s, VIEWS[v])) {
			*view = (enum ccm_view)v;
			return true;
		}
	return false;
}

const char *ccm_view_name(enum ccm_view view)
{
	return view <= CCM_VIEW_EML ? VIEWS[view] : VIEWS[CCM_VIEW_IFF];
}
