/*
 * A libFuzzer target for one export file: the input is FZ_FILE (set at
 * build time: PO.INI, CCMDIR.EXP, CCMLIST.EXP, CCMBB.EXP or a mailbox,
 * USERS/AMES.EXP) in an otherwise well-formed post office. The source is
 * scanned and every output file read back in windows.
 */
#include "harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_write_base();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_write(FZ_FILE, data, size);
	fz_check_source(NULL, fz_hash(data, size));
	return 0;
}
