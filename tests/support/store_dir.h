/*
 * store_dir.h — the LMDB store directories of the tests, removed afterwards.
 * No cmocka here: build/vectors links the support objects too.
 */
#ifndef CVM_TESTS_STORE_DIR_H
#define CVM_TESTS_STORE_DIR_H

/* Removes the LMDB store in dir (borrowed): its data.mdb and lock.mdb, then
 * the directory. What is missing is passed over; nothing is reported. */
void store_dir_remove(const char *dir);

#endif
