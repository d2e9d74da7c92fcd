/* mount_fixture.c - one redis-server and one mount of it per TCase, for the suites that need that.
 */
#include "mount_fixture.h"

struct h_redis *fx_server;
struct h_mount *fx_mount;

void fx_start(const char *const *server_args, const char *options)
{
	struct h_mount_spec spec = {.options = options};

	fx_server = h_redis_start(server_args);
	fx_mount = h_mount_start(fx_server, &spec);
}

void setup_mount(void)
{
	fx_start(NULL, NULL);
}

char *mnt(char *out, const char *rel)
{
	return h_path(out, MNT_PATH_LEN, fx_mount, rel);
}
