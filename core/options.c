/*
 * The rules of the options both programs take, kept in the core so that
 * the programs and the scan read a date order the same way.
 */
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
