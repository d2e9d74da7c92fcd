/* main.c - redisfs entry point: parse, connect and check, mount, serve, unwind in stages. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <fuse_lowlevel.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "../backend/mysql_client.h"
#include "../backend/redis_keys.h"
#include "cli_habits.h"
#include "recent.h"
#include "file.h"
#include "emptying.h"
#include "ghost_sample.h"
#include "ghosts.h"
#include "mountpoint.h"
#include "ops.h"
#include "options.h"
#include "rfs.h"

#define MMAP_THRESHOLD (4 << 20)  /* bytes: blocks this big or bigger are mmapped */
#define TRIM_THRESHOLD (32 << 20) /* bytes of free heap kept for the next allocations */

static void log_redis_error(void *arg, const char *line)
{
	(void) arg;
	fuse_log(FUSE_LOG_ERR, "%s\n", line);
}

/* In the background stderr is gone: errors go to syslog (fuse_log levels are syslog's). */
static void log_to_syslog(enum fuse_log_level level, const char *fmt, va_list ap)
{
	vsyslog((int) level, fmt, ap);
}

/*
 * -o log=PATH: opened before the mount, so that a path that cannot be written
 * is a message and exit 1, and relative to where redisfs started (the daemon
 * moves to /). Returns the descriptor, -1 without the option, -2 on failure.
 */
static int open_log(const char *path)
{
	int fd;

	if (!path)
		return -1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "redisfs: cannot open log file '%s': %s\n", path, strerror(errno));
		return -2;
	}
	return fd;
}

/*
 * Before the daemon runs, libfuse's messages reach the user as redisfs's own
 * (SPEC 1: every start-up error is "redisfs: ..."). libfuse starts each
 * message with "fuse: " and may print one line in pieces: only that prefix is
 * swapped, so the pieces need no state to join.
 */
static void log_as_redisfs(enum fuse_log_level level, const char *fmt, va_list ap)
{
	(void) level;
	if (strncmp(fmt, "fuse: ", 6) == 0) {
		fputs("redisfs: ", stderr);
		fmt += 6;
	}
	vfprintf(stderr, fmt, ap);
}

/*
 * redisfs's own version first, then the libraries'. stdout is line-buffered
 * as on a terminal: libfuse runs fusermount3, whose line would otherwise come
 * before every line still in our buffer when stdout is a pipe.
 */
static void print_version(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("redisfs version %s\n", REDISFS_VERSION);
	printf("FUSE library version %s\n", fuse_pkgversion());
	printf("hiredis version %s\n", redis_client_version());
	printf("MariaDB Connector/C version %s\n", mysql_client_version());
	printf("TLS library %s\n", redis_tls_library());
	fuse_lowlevel_version();
}

/*
 * A cluster has database 0 only (SPEC 9): what names another is refused,
 * then every command is routed by the cluster's slot map.
 */
static int use_cluster(struct rfs *fs, const struct rfs_options *opts, const char *display)
{
	const struct rfs_config *cfg = &opts->config;
	char err[512];

	if (opts->url.db > 0) {
		fprintf(stderr, "redisfs: %s is a Redis Cluster, which has db0 only: /%d refused\n",
			display, opts->url.db);
		return -1;
	}
	if (opts->databases) {
		fprintf(stderr,
			"redisfs: %s is a Redis Cluster, which has db0 only: databases= refused\n",
			display);
		return -1;
	}
	for (size_t i = 0; i < cfg->rule_count; i++) {
		if (cfg->rules[i].db != 0) {
			fprintf(stderr,
				"redisfs: %s:%d: [ghosts.%s] db %d: %s is a Redis Cluster, which "
				"has db0 only\n",
				opts->config_path, cfg->rules[i].db_line, cfg->rules[i].name,
				cfg->rules[i].db, display);
			return -1;
		}
	}
	if (redis_pool_use_cluster(fs->pool, err, sizeof err)) {
		fprintf(stderr, "redisfs: cannot use the Redis Cluster of %s: %s\n", display, err);
		return -1;
	}
	fs->db_count = 1;
	return 0;
}

/* Connect, authenticate and learn the databases before anything is mounted. */
static int connect_redis(struct rfs *fs, const struct rfs_options *opts)
{
	struct redis_endpoint ep = {
		.host = opts->url.host,
		.port = opts->url.port,
		.socket_path = opts->url.socket_path,
		.user = opts->url.user,
		.password = opts->password,
		.timeout = opts->timeout,
		.read_only = fs->read_only,
		.log = log_redis_error,
		.tls = opts->url.tls,
		.tls_options = {.ca = opts->tls_ca,
				.cert = opts->tls_cert,
				.key = opts->tls_key,
				.sni = opts->tls_sni,
				.insecure = opts->tls_insecure},
		.sentinel_master = opts->url.master,
		.sentinel_count = opts->url.sentinel_count,
	};
	struct redis_address sentinels[URL_SENTINELS_MAX];
	char display[1024], err[512];
	bool cluster;
	int ret;

	for (size_t i = 0; i < opts->url.sentinel_count; i++)
		sentinels[i] = (struct redis_address){.host = opts->url.sentinels[i].host,
						      .port = opts->url.sentinels[i].port};
	ep.sentinels = sentinels;
	url_display(&opts->url, display, sizeof display);
	ret = redis_pool_open(&ep, &fs->pool, err, sizeof err);
	if (ret) {
		fprintf(stderr, "redisfs: cannot use %s: %s\n", display, err);
		return -1;
	}
	ret = redis_cluster_detect(fs->pool, &cluster);
	if (ret) {
		fprintf(stderr, "redisfs: cannot use %s: %s\n", display, strerror(-ret));
		return -1;
	}
	if (opts->cluster && !cluster) {
		fprintf(stderr, "redisfs: -o cluster: %s is not a Redis Cluster node\n", display);
		return -1;
	}
	if (cluster)
		return use_cluster(fs, opts, display);
	fs->db_count = opts->databases;
	if (!fs->db_count) {
		ret = redis_database_count(fs->pool, &fs->db_count);
		if (ret) {
			fprintf(stderr, "redisfs: cannot learn the number of databases of %s: %s\n",
				display, strerror(-ret));
			return -1;
		}
	}
	if (fs->only_db >= fs->db_count) {
		fprintf(stderr, "redisfs: %s has no database %d (it has %d)\n", display,
			fs->only_db, fs->db_count);
		return -1;
	}
	return 0;
}

/*
 * Connect to MySQL and check every ghost rule against both servers before
 * mounting: a rule for a database the server lacks, or a table without the
 * column, stops the start.
 */
static int setup_ghosts(struct rfs *fs, const struct rfs_options *opts, struct mysql_pool **mysql,
			struct ghosts *ghosts)
{
	const struct rfs_config *cfg = &opts->config;
	const struct config_mysql *m = &cfg->mysql;
	struct mysql_endpoint ep = {
		.host = m->host,
		.port = m->port,
		.socket_path = m->socket,
		.user = m->user,
		.password = m->password,
		.database = m->database,
		.defaults_file = m->defaults_file,
		.timeout = opts->timeout,
		.log = log_redis_error,
	};
	char err[512];

	if (!cfg->rule_count)
		return 0;
	for (size_t i = 0; i < cfg->rule_count; i++) {
		const struct config_ghost_rule *r = &cfg->rules[i];

		if (r->db >= fs->db_count) {
			fprintf(stderr,
				"redisfs: %s:%d: [ghosts.%s] db %d is out of range: the server has "
				"db0 to db%d\n",
				opts->config_path, r->db_line, r->name, r->db, fs->db_count - 1);
			return -1;
		}
	}
	if (mysql_pool_open(&ep, mysql, err, sizeof err)) {
		fprintf(stderr, "redisfs: cannot use MySQL: %s\n", err);
		return -1;
	}
	for (size_t i = 0; i < cfg->rule_count; i++) {
		const struct config_ghost_rule *r = &cfg->rules[i];

		if (mysql_check_column(*mysql, r->table, r->column, err, sizeof err)) {
			/* MySQL's own words tell which of the two lines is wrong */
			int line = strstr(err, "Unknown column") ? r->column_line : r->table_line;

			fprintf(stderr, "redisfs: %s:%d: [ghosts.%s] %s\n", opts->config_path, line,
				r->name, err);
			return -1;
		}
	}
	if (ghosts_init(ghosts, fs->pool, *mysql, cfg, opts->cache_timeout, err, sizeof err)) {
		fprintf(stderr, "redisfs: %s\n", err);
		return -1;
	}
	fs->ghosts = ghosts;
	return 0;
}

static int serve(struct fuse_session *se, const struct fuse_cmdline_opts *cmd)
{
	struct fuse_loop_config *loop;
	int ret;

	if (cmd->singlethread)
		return fuse_session_loop(se);
	loop = fuse_loop_cfg_create();
	if (!loop)
		return -1;
	fuse_loop_cfg_set_clone_fd(loop, cmd->clone_fd);
	if (cmd->max_idle_threads != UINT_MAX) /* UINT_MAX: not given */
		fuse_loop_cfg_set_idle_threads(loop, cmd->max_idle_threads);
	fuse_loop_cfg_set_max_threads(loop, cmd->max_threads);
	ret = fuse_session_loop_mt(se, loop);
	fuse_loop_cfg_destroy(loop);
	return ret;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts cmd;
	struct mysql_pool *mysql = NULL;
	struct rfs_options opts;
	struct ghosts ghosts;
	struct rv_array sampled = {0}; /* ghost rules' start-up lines, for the log too */
	struct fuse_session *se = NULL;
	struct rfs fs;
	char msg[512];
	int log_fd = -1;
	int ret = 1;

	/*
	 * Big arrays (a listing's keys, the inode table) grow by realloc and go
	 * when a listing does. glibc raises its mmap threshold after the first
	 * big free, and later big blocks then live in the heap, where a realloc
	 * copies and a free keeps the pages: a fixed threshold keeps them
	 * mmapped, so they grow with mremap and their pages go back at free.
	 * Fixing it also fixes the trim threshold at 128 KiB, and every read's
	 * reply buffers (256 KiB) would then be given back and faulted in again:
	 * up to 32 MiB of free heap is kept instead.
	 */
	mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
	/* a server that hangs up mid-command is EIO, not death by SIGPIPE (also before mounting) */
	signal(SIGPIPE, SIG_IGN);
	memset(&cmd, 0, sizeof cmd);
	memset(&opts, 0, sizeof opts);
	memset(&fs, 0, sizeof fs);
	pthread_mutex_init(&fs.changed_lock, NULL);
	pthread_mutex_init(&fs.recent_lock, NULL);
	handle_list_init(&fs.open_files);
	handle_list_init(&fs.open_dirs);
	key_type_marks_init(&fs.type_marks);
	open_keys_init(&fs.open_keys);
	clock_gettime(CLOCK_REALTIME, &fs.changed);
	fuse_set_log_func(log_as_redisfs);

	if (cli_habits_check(argc, argv, msg, sizeof msg)) {
		fprintf(stderr, "redisfs: %s\n", msg);
		goto out_opts;
	}
	if (options_parse(&args, &opts) || fuse_parse_cmdline(&args, &cmd) != 0)
		goto out_opts;
	if (opts.show_version || cmd.show_version) {
		print_version();
		ret = 0;
		goto out_opts;
	}
	if (opts.show_help || cmd.show_help) {
		options_print_usage(argv[0]);
		printf("FUSE options:\n");
		fuse_cmdline_help();
		fuse_lowlevel_help();
		ret = 0;
		goto out_opts;
	}
	if (!cmd.mountpoint) {
		fprintf(stderr, "redisfs: no mountpoint given (see redisfs --help)\n");
		goto out_opts;
	}
	if (options_finish(&opts, &args, argc, argv))
		goto out_opts;
	if (mountpoint_check(cmd.mountpoint, opts.nonempty, msg, sizeof msg)) {
		fprintf(stderr, "redisfs: %s\n", msg);
		goto out_opts;
	}
	fs.read_only = opts.read_only;
	fs.noflush = opts.noflush;
	fs.cache_timeout = opts.cache_timeout;
	fs.delimiter = opts.delimiter;
	fs.delimiter_len = opts.delimiter ? strlen(opts.delimiter) : 0;
	fs.only_db = opts.url.db;
	fs.uid = opts.uid;
	fs.gid = opts.gid;
	fs.umask = opts.umask;

	if (inodes_init(&fs.inodes)) {
		fprintf(stderr, "redisfs: out of memory\n");
		goto out_opts;
	}
	if (read_bufs_init(&fs.read_bufs)) {
		fprintf(stderr, "redisfs: no thread-specific key left\n");
		goto out_inodes;
	}
	/* fuse_session_new rejects unknown options before anything touches the network */
	se = fuse_session_new(&args, ops_table(), sizeof *ops_table(), &fs);
	if (!se)
		goto out_read_bufs;
	if (connect_redis(&fs, &opts) || setup_ghosts(&fs, &opts, &mysql, &ghosts))
		goto out_pool;
	file_ask_max_size(&fs);
	if (fs.ghosts)
		ghost_sample_all(fs.ghosts, &sampled); /* on stderr now, in the log below */
	if (attr_cache_init(&fs.attrs, opts.cache_timeout) ||
	    ns_marks_init(&fs.ns_marks, opts.cache_timeout) || key_times_init(&fs.times) ||
	    !(fs.recent = calloc((size_t) fs.db_count, sizeof *fs.recent)) ||
	    !(fs.emptying = emptying_new(fs.delimiter, fs.delimiter_len))) {
		fprintf(stderr, "redisfs: out of memory\n");
		goto out_pool;
	}
	log_fd = open_log(opts.log_path);
	if (log_fd == -2 || fuse_session_mount(se, cmd.mountpoint) != 0)
		goto out_pool;
	if (fuse_daemonize(cmd.foreground) != 0)
		goto out_unmount;
	/* threads of the pool's own start only now: a fork keeps none */
	if (redis_pool_started(fs.pool) != 0) {
		fuse_log(FUSE_LOG_ERR, "redisfs: cannot start the sentinels' watcher\n");
		goto out_unmount;
	}
	if (log_fd >= 0) {
		/* libfuse's own log function writes to stderr: stderr is the file now */
		if (dup2(log_fd, STDERR_FILENO) < 0)
			fprintf(stderr, "redisfs: cannot log to '%s': %s\n", opts.log_path,
				strerror(errno));
	} else if (!cmd.foreground) {
		openlog("redisfs", LOG_PID, LOG_DAEMON);
		fuse_set_log_func(log_to_syslog);
		for (size_t i = 0; i < sampled.count; i++) {
			size_t len;

			fuse_log(FUSE_LOG_WARNING, "%s\n", rv_array_get(&sampled, i, &len));
		}
	}
	if (fuse_set_signal_handlers(se) != 0)
		goto out_unmount;

	/* a signal number: a stop that was asked for (systemctl stop, ^C); -errno: a failure */
	ret = serve(se, &cmd) < 0 ? 1 : 0;

	fuse_remove_signal_handlers(se);
out_unmount:
	fuse_session_unmount(se);
out_pool:
	ops_release_all(&fs); /* releases the unmount dropped */
	recent_forget_all(&fs);
	emptying_free(fs.emptying);
	rv_array_free(&sampled);
	free(fs.recent);
	attr_cache_free(&fs.attrs);
	ns_marks_free(&fs.ns_marks);
	key_times_free(&fs.times);
	if (fs.ghosts)
		ghosts_free(fs.ghosts);
	mysql_pool_close(mysql);
	redis_pool_close(fs.pool);
	fuse_session_destroy(se);
out_read_bufs:
	read_bufs_free(&fs.read_bufs);
out_inodes:
	inodes_free(&fs.inodes);
out_opts:
	if (log_fd >= 0)
		close(log_fd);
	free(cmd.mountpoint);
	options_free(&opts);
	fuse_opt_free_args(&args);
	pthread_mutex_destroy(&fs.changed_lock);
	pthread_mutex_destroy(&fs.recent_lock);
	handle_list_destroy(&fs.open_files);
	handle_list_destroy(&fs.open_dirs);
	key_type_marks_free(&fs.type_marks);
	open_keys_destroy(&fs.open_keys);
	return ret;
}
