/*
 * The test library of the unit and mount suites, whole: include this one
 * header. Each part has its own header, one job each:
 *
 *   rng.h, fnv.h   random numbers and hashing (shared with ccm-gen)
 *   files.h        paths, scratch folders and small files
 *   run.h          child programs run and waited for
 *   output.h       a source opened with the core, its files read
 *   parse.h        output text taken apart (lines, CSV, PRI rows, SEC)
 *   scratch.h      the per-test scratch folder of the mount suites
 *   source.h       exports from ccm-gen, reference trees from ccmail2iff
 *   mount.h        real mounts of ccmailfs
 *   fixture.h      the .init and .fini of the mount suites
 *   tree.h         trees listed and compared byte for byte
 *   snap.h         snapshots proving a source was not touched
 */
#ifndef CCM_TESTS_LIB_TL_H
#define CCM_TESTS_LIB_TL_H

#include "files.h"
#include "fixture.h"
#include "fnv.h"
#include "mount.h"
#include "output.h"
#include "parse.h"
#include "rng.h"
#include "run.h"
#include "scratch.h"
#include "snap.h"
#include "source.h"
#include "tree.h"

#endif
