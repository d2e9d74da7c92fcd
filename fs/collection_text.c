/* collection_text.c - text into a collection: parsed (SPEC 4), its TTL kept. */
#include "collection_text.h"

#include <errno.h>
#include <fuse_log.h>

#include "../backend/redis_keys.h"
#include "../backend/redis_write.h"
#include "names.h"
#include "parse.h"

bool collection_type(enum rv_type type)
{
	return type == RV_LIST || type == RV_SET || type == RV_ZSET || type == RV_HASH;
}

int collection_text_write(struct rfs *fs, const struct rfs_key *k, enum rv_type type,
			  const char *text, size_t len, const char *refused, bool *emptied)
{
	struct rv_value value = {0};
	char err[256], name[NAMES_MAX + 1];
	long long pttl = -1;
	int ret;

	ret = parse_value(type, text ? text : "", len, &value, err, sizeof err);
	if (ret == -EINVAL) {
		names_encode(k->key, k->len, name);
		fuse_log(FUSE_LOG_ERR, "redisfs: db%d '%s': %s, the %s text has %s\n", k->db, name,
			 refused, rv_type_name(type), err);
	}
	if (!ret) {
		ret = redis_pttl(fs->pool, k->db, k->key, k->len, &pttl);
		if (ret == -ENOENT)
			ret = 0; /* removed meanwhile: written anew, without a TTL */
	}
	if (!ret)
		ret = redis_write_collection(fs->pool, k->db, k->key, k->len, &value, pttl);
	if (emptied)
		*emptied = !ret && value.items.count == 0;
	rv_value_free(&value);
	return ret;
}
