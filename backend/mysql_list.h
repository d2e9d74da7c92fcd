/* mysql_list.h - the existence check of many IDs: JSON lists joined by MySQL, in parallel. */
#ifndef REDISFS_MYSQL_LIST_H
#define REDISFS_MYSQL_LIST_H

#include "mysql_conn.h"

/*
 * mysql_ids_exist() and mysql_ids_exist_in() (mysql_client.h) live here:
 * with a column `type`, from 16 IDs on, those IDs that can travel in a
 * JSON list (idlist_id_fits) go in list statements of up to 50,000, on two
 * connections when there are several; the rest, and every ID without a
 * type, in one-by-one statements of at most 1000.
 */

#endif
