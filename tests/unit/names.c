/*
 * Names the output makes up (spec iff-output §2 and §5): post office
 * folder names, the fix of KB Q238850, and directory aliases; and the
 * order mailboxes are numbered in (§1).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <criterion/criterion.h>

#include "names.h"
#include "tl.h"

/* Steps 1 to 5 for a NUL-terminated cp850 name. */
static unsigned folder(const char *name, bool dos83, char *out)
{
	memset(out, 'X', CCM_FOLDER_MAX + 1);
	return ccm_folder_name(850, name, strlen(name), dos83, out);
}

static void expect_folder(const char *name, const char *want)
{
	char out[CCM_FOLDER_MAX + 1];
	folder(name, false, out);
	cr_expect_str_eq(out, want, "folder name of '%s': got '%s', not '%s'",
	                 name, out, want);
}

/* Only the characters step 2 keeps, never two '_' in a row. */
static bool well_formed(const char *s)
{
	for (const char *p = s; *p; p++) {
		bool ok = (*p >= 'A' && *p <= 'Z') ||
		          (*p >= 'a' && *p <= 'z') ||
		          (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		          *p == '.' || *p == '~';
		if (!ok)
			return false;
	}
	return s[0] && s[0] != '_' && s[0] != '.';
}

Test(folder, separators_and_punctuation)
{
	expect_folder("SALES/EAST", "SALES_EAST");
	expect_folder("R&D: Lab?", "R_D_Lab");
	expect_folder("HQ: Main", "HQ_Main");
	expect_folder("a<b>|c", "a_b_c");
	expect_folder("*Star*", "Star");
	expect_folder("#1; Plant", "1_Plant");
	expect_folder("HQ \"Main\"", "HQ_Main");
	expect_folder("  spaced out  ", "spaced_out");
}

Test(folder, plain_name_unchanged)
{
	char out[CCM_FOLDER_MAX + 1];
	cr_assert_eq(folder("Sales-2_North", false, out), 0u);
	cr_assert_str_eq(out, "Sales-2_North");
}

Test(folder, why_bits)
{
	char out[CCM_FOLDER_MAX + 1];
	cr_expect(folder("SALES/EAST", false, out) & CCM_WHY_CHARS);
	cr_expect(folder("Z\x81rich", false, out) & CCM_WHY_TRANSLIT);
	cr_expect(folder("CON", false, out) & CCM_WHY_DEVICE);
	cr_expect(folder("...", false, out) & CCM_WHY_EMPTY);
	char longname[101];
	memset(longname, 'A', 100);
	longname[100] = '\0';
	cr_expect(folder(longname, false, out) & CCM_WHY_LENGTH);
}

Test(folder, dots_kept_only_between_kept_characters)
{
	expect_folder("Mail.Room", "Mail.Room");
	expect_folder(".hidden", "hidden");
	expect_folder("end.", "end");
	expect_folder("a..b", "a_b");
	expect_folder("a. b", "a_b");
}

Test(folder, empty_results_become_postoffice)
{
	expect_folder("...", "POSTOFFICE");
	expect_folder("", "POSTOFFICE");
	expect_folder("?*:", "POSTOFFICE");
	expect_folder("  ", "POSTOFFICE");
}

Test(folder, dos_device_names)
{
	expect_folder("CON", "CON_");
	expect_folder("con", "con_");
	expect_folder("con.txt", "con_.txt");
	expect_folder("LPT1", "LPT1_");
	expect_folder("LPT1.old", "LPT1_.old");
	expect_folder("lpt9", "lpt9_");
	expect_folder("COM0", "COM0_");
	expect_folder("PRN", "PRN_");
	expect_folder("AUX", "AUX_");
	expect_folder("NUL", "NUL_");
	/* Near misses are ordinary names. */
	expect_folder("CONSOLE", "CONSOLE");
	expect_folder("COM10", "COM10");
	expect_folder("LPT", "LPT");
	expect_folder("NULL.x", "NULL.x");
}

Test(folder, transliteration_from_cp850)
{
	/* 0x81 is u with diaeresis, 0x92 is AE, 0x82 e acute in cp850. */
	expect_folder("Z\x81rich", "Zurich");
	expect_folder("\x92", "AE");
	expect_folder("Bureau d'\x82tudes", "Bureau_d_etudes");
}

Test(folder, at_most_64_characters)
{
	char name[201], out[CCM_FOLDER_MAX + 1];
	memset(name, 'A', 200);
	name[200] = '\0';
	folder(name, false, out);
	cr_assert_eq(strlen(out), 64);
	cr_assert_eq(strspn(out, "A"), 64);

	/* A cut that ends on a '_' drops it, as step 2 would have. */
	memset(name, 'B', 63);
	strcpy(name + 63, " tail");
	folder(name, false, out);
	cr_assert_leq(strlen(out), 64);
	cr_assert_neq(out[strlen(out) - 1], '_', "'%s' ends with _", out);
	cr_assert(well_formed(out), "'%s'", out);
}

Test(folder, dos83_at_most_8_characters)
{
	char out[CCM_FOLDER_MAX + 1];
	folder("Northwest Region", true, out);
	cr_assert_eq(strlen(out), 8, "'%s'", out);
	cr_assert_str_eq(out, "Northwes");

	folder("HQ: Main", true, out);
	cr_assert_str_eq(out, "HQ_Main");

	const char *names[] = {"Mail.Room.Annex", "", "...", "CON.extension",
	                       "Z\x81rich Bahnhofstrasse"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		folder(names[i], true, out);
		cr_expect(strlen(out) >= 1 && strlen(out) <= 8,
		          "8.3 name of '%s' is '%s'", names[i], out);
		cr_expect(well_formed(out), "8.3 name of '%s' is '%s'",
		          names[i], out);
	}
}

/* Runs step 6 over copies of names. */
static void dedupe(const char *const *in, size_t n, bool dos83, char **out,
                   unsigned *why)
{
	for (size_t i = 0; i < n; i++) {
		out[i] = malloc(CCM_FOLDER_MAX + 1);
		cr_assert_not_null(out[i]);
		strcpy(out[i], in[i]);
		why[i] = 0;
	}
	ccm_folder_dedupe(out, n, dos83, why);
}

static void free_all(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

static void assert_unique_nocase(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			cr_assert(strcasecmp(v[i], v[j]),
			          "folders %zu and %zu are both '%s' / '%s' "
			          "without regard to case",
			          i, j, v[i], v[j]);
}

Test(folder_dedupe, two_names_equal_but_for_case)
{
	const char *in[] = {"SALES", "Sales"};
	char *out[2];
	unsigned why[2];
	dedupe(in, 2, false, out, why);
	cr_assert_str_eq(out[0], "SALES");
	cr_assert_str_eq(out[1], "Sales~2");
	cr_assert_eq(why[0] & CCM_WHY_COLLISION, 0u);
	cr_assert(why[1] & CCM_WHY_COLLISION);
	free_all(out, 2);
}

Test(folder_dedupe, distinct_names_untouched)
{
	const char *in[] = {"HQ_Main", "SALES", "SALES_EAST", "West"};
	char *out[4];
	unsigned why[4];
	dedupe(in, 4, false, out, why);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_str_eq(out[i], in[i]);
		cr_assert_eq(why[i], 0u);
	}
	free_all(out, 4);
}

/*
 * Three names equal but for case must end up three different folders:
 * ~2 then ~3, in order (spec §2 step 6).
 */
Test(folder_dedupe, three_names_equal_but_for_case)
{
	const char *in[] = {"SALES", "Sales", "sales"};
	char *out[3];
	unsigned why[3];
	dedupe(in, 3, false, out, why);
	cr_expect_str_eq(out[0], "SALES");
	cr_expect_str_eq(out[1], "Sales~2");
	cr_expect_str_eq(out[2], "sales~3", "third name: got '%s'", out[2]);
	assert_unique_nocase(out, 3);
	free_all(out, 3);
}

/* The whole of spec §2 on the names of the generator's first four post
 * offices, taken in the order of their original bytes. */
Test(folder_dedupe, from_original_names_in_byte_order)
{
	const char *orig[] = {"SALES", "SALES/EAST", "Sales", "sales"};
	char *out[4];
	unsigned why[4];
	for (size_t i = 0; i < 4; i++) {
		out[i] = malloc(CCM_FOLDER_MAX + 1);
		cr_assert_not_null(out[i]);
		why[i] = ccm_folder_name(850, orig[i], strlen(orig[i]), false,
		                         out[i]);
	}
	ccm_folder_dedupe(out, 4, false, why);
	cr_expect_str_eq(out[0], "SALES");
	cr_expect_str_eq(out[1], "SALES_EAST");
	cr_expect_str_eq(out[2], "Sales~2");
	cr_expect_str_eq(out[3], "sales~3", "got '%s'", out[3]);
	assert_unique_nocase(out, 4);
	free_all(out, 4);
}

Test(folder_dedupe, dos83_cuts_to_leave_room)
{
	const char *in[] = {"Northwes", "NORTHWES"};
	char *out[2];
	unsigned why[2];
	dedupe(in, 2, true, out, why);
	cr_assert_str_eq(out[0], "Northwes");
	cr_assert_str_eq(out[1], "NORTHW~2");
	free_all(out, 2);
}

Test(folder_dedupe, dos83_many_stay_8_and_unique)
{
	const char *in[] = {"Northwes", "NORTHWES", "northwes", "NorthWes"};
	char *out[4];
	unsigned why[4];
	dedupe(in, 4, true, out, why);
	for (size_t i = 0; i < 4; i++)
		cr_expect_leq(strlen(out[i]), 8, "'%s'", out[i]);
	assert_unique_nocase(out, 4);
	free_all(out, 4);
}

Test(folder_dedupe, long_names_stay_within_64)
{
	char a[65], b[65];
	memset(a, 'q', 64);
	a[64] = '\0';
	memset(b, 'Q', 64);
	b[64] = '\0';
	const char *in[] = {a, b};
	char *out[2];
	unsigned why[2];
	dedupe(in, 2, false, out, why);
	cr_assert_str_eq(out[0], a);
	cr_assert_leq(strlen(out[1]), 64);
	size_t n = strlen(out[1]);
	cr_assert(n > 2 && !strcmp(out[1] + n - 2, "~2"), "'%s'", out[1]);
	free_all(out, 2);
}

static void expect_alias(const char *name, const char *want)
{
	char out[CCM_ALIAS_MAX + 1];
	memset(out, 'X', sizeof(out));
	ccm_alias_base(850, name, strlen(name), out);
	cr_expect_str_eq(out, want, "alias of '%s': got '%s', not '%s'", name,
	                 out, want);
}

Test(alias, surname_then_first_of_given_name)
{
	expect_alias("Brown, Elizabeth", "BrownE");
	expect_alias("Gobi, Ali", "GobiA");
	expect_alias("Parkes, Pat", "ParkesP");
	expect_alias("O'Brien, Pat", "OBrienP");
	expect_alias("St. John, Mary-Kate", "StJohnM");
	expect_alias("van der Berg, Ana", "vanderBergA");
	expect_alias("Lee, \"Bud\"", "LeeB");
}

Test(alias, name_without_comma_is_all_surname)
{
	expect_alias("Everyone", "Everyone");
	expect_alias("Help Desk", "HelpDesk");
	expect_alias("Night Shift #3", "NightShift3");
}

Test(alias, transliterated)
{
	expect_alias("M\x81ller, J\x81rgen", "MullerJ");
	expect_alias("Caf\x82 Bar", "CafeBar");
}

Test(alias, nothing_left_gives_user)
{
	expect_alias("", "User");
	expect_alias("...", "User");
	expect_alias("#!, %;", "User");
}

Test(alias, at_most_64)
{
	char name[150];
	memset(name, 'z', 100);
	strcpy(name + 100, ", Ann");
	char out[CCM_ALIAS_MAX + 1];
	ccm_alias_base(850, name, strlen(name), out);
	cr_assert_eq(strlen(out), 64);
}

static void alias_dedupe(const char *const *in, size_t n, char **out)
{
	for (size_t i = 0; i < n; i++) {
		out[i] = malloc(CCM_ALIAS_MAX + 1);
		cr_assert_not_null(out[i]);
		strcpy(out[i], in[i]);
	}
	ccm_alias_dedupe(out, n);
}

Test(alias_dedupe, numbers_without_regard_to_case)
{
	const char *in[] = {"SmithJ", "smithj", "SMITHJ", "BrownE"};
	char *out[4];
	alias_dedupe(in, 4, out);
	cr_assert_str_eq(out[0], "SmithJ");
	cr_assert_str_eq(out[1], "smithj2");
	cr_assert_str_eq(out[2], "SMITHJ3");
	cr_assert_str_eq(out[3], "BrownE");
	free_all(out, 4);
}

Test(alias_dedupe, suffix_never_collides)
{
	/* "A" twice makes "A2", which a third alias already is. */
	const char *in[] = {"A", "A", "A2", "a2", "User", "User"};
	char *out[6];
	alias_dedupe(in, 6, out);
	cr_assert_str_eq(out[0], "A");
	cr_assert_str_eq(out[1], "A2");
	cr_assert_str_eq(out[4], "User");
	cr_assert_str_eq(out[5], "User2");
	assert_unique_nocase(out, 6);
	free_all(out, 6);
}

Test(alias_dedupe, long_aliases_stay_within_64)
{
	char a[65];
	memset(a, 'k', 64);
	a[64] = '\0';
	const char *in[] = {a, a, a};
	char *out[3];
	alias_dedupe(in, 3, out);
	for (size_t i = 0; i < 3; i++)
		cr_assert_leq(strlen(out[i]), 64);
	cr_assert_eq(out[1][63], '2');
	cr_assert_eq(out[2][63], '3');
	assert_unique_nocase(out, 3);
	free_all(out, 3);
}

static int cmp(const char *a, const char *b)
{
	return ccm_name_cmp(tl_cp(850, 1252), a, strlen(a), b, strlen(b));
}

Test(name_order, letters_as_upper_case_then_bytes)
{
	cr_assert_lt(cmp("abc", "ABD"), 0);
	cr_assert_gt(cmp("ABD", "abc"), 0);
	cr_assert_lt(cmp("a", "ab"), 0);
	cr_assert_gt(cmp("Z", "a"), 0);
	/* 'a' is compared as 'A' (0x41): after '@', before '[' and '_'. */
	cr_assert_gt(cmp("_", "a"), 0);
	cr_assert_lt(cmp("@", "a"), 0);
	cr_assert_gt(cmp("[", "a"), 0);
	/* Ties: the bytes as they stand. */
	cr_assert_lt(cmp("SALES", "Sales"), 0);
	cr_assert_gt(cmp("Sales", "SALES"), 0);
	cr_assert_eq(cmp("Sales", "Sales"), 0);
	/* Bytes above ASCII after every ASCII letter, unsigned. */
	cr_assert_gt(cmp("\x81", "z"), 0);
	cr_assert_lt(cmp("M\x81ller", "M\x94ller"), 0);
}

static int qcmp(const void *a, const void *b)
{
	return cmp(*(const char *const *)a, *(const char *const *)b);
}

Test(name_order, sorts_a_list)
{
	const char *v[] = {"Smyth", "smith",     "SMITH", "smi",
	                   "Smith", "M\x81ller", "Muller"};
	/* 0x81 sorts after 'U', so Muller comes before M\x81ller. */
	const char *want[] = {"Muller", "M\x81ller", "smi",  "SMITH",
	                      "Smith",  "smith",     "Smyth"};
	qsort(v, 7, sizeof(v[0]), qcmp);
	for (size_t i = 0; i < 7; i++)
		cr_assert_str_eq(v[i], want[i], "position %zu", i);
}

Test(name_order, cicmp_and_eq)
{
	cr_assert_eq(ccm_name_cicmp(tl_cp(850, 1252), "Sales", 5, "SALES", 5),
	             0);
	cr_assert_lt(ccm_name_cicmp(tl_cp(850, 1252), "Sale", 4, "SALES", 5),
	             0);
	cr_assert(ccm_name_eq(tl_cp(850, 1252), "Smith, John", 11,
	                      "SMITH, john", 11));
	cr_assert(!ccm_name_eq(tl_cp(850, 1252), "Smith", 5, "Smyth", 5));
	cr_assert(!ccm_name_eq(tl_cp(850, 1252), "Smith", 5, "Smith ", 6));
	/* Only ASCII letters fold: u-diaeresis in cp850 is not U. */
	cr_assert(!ccm_name_eq(tl_cp(850, 1252), "M\x81ller", 6, "MUller", 6));
}
