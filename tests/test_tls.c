/* test_tls.c - rediss:// against real TLS servers: what is verified, and how a refusal reads. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_tls.h"
#include "run_suite.h"

#define PASSWORD    "tls-s3cret-pw" /* the --requirepass of the good server */
#define RUN_SECONDS 20.0	    /* a refusal takes far less; a hang is a failure */

static struct h_redis *good;	/* server.crt, for localhost and 127.0.0.1, with a password */
static struct h_redis *wrong;	/* wrong.crt, for wrong.example */
static struct h_redis *expired; /* expired.crt */
static struct h_redis *self;	/* self.crt, signed by nobody */
static struct h_redis *mtls;	/* wants a client certificate */
static struct h_redis *plain;	/* no TLS at all */
static pid_t sni_server;	/* openssl s_server: server.crt for SNI localhost, else wrong.crt */
static int sni_port;

static struct h_redis *start_tls(const char *crt, bool auth_clients, const char *password)
{
	const char *extra[16];
	size_t n = h_tls_server_args(crt, auth_clients, extra);

	if (password) {
		extra[n++] = "--requirepass";
		extra[n++] = password;
	}
	extra[n] = NULL;
	return h_redis_start_as(H_REDIS_TLS_ONLY, extra);
}

/* Whether something accepts connections on 127.0.0.1:port. */
static bool accepts(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *) &sin, sizeof sin) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * openssl s_server that shows which name the client sent: with SNI
 * "localhost" it presents server.crt, without SNI (or another name)
 * wrong.crt. -rev answers with reversed lines, which are no RESP: a client
 * gets past the handshake and then a protocol error.
 */
static void start_sni_server(void)
{
	const struct h_tls *t = h_tls();
	char port[32];
	double deadline;

	sni_port = h_free_port();
	snprintf(port, sizeof port, "127.0.0.1:%d", sni_port);
	sni_server = fork();
	ck_assert_int_ge(sni_server, 0);
	if (sni_server == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execlp("openssl", "openssl", "s_server", "-accept", port, "-cert", t->wrong_crt,
		       "-key", t->server_key, "-cert2", t->server_crt, "-key2", t->server_key,
		       "-servername", "localhost", "-rev", "-quiet", (char *) NULL);
		_exit(127);
	}
	deadline = h_now() + H_WAIT_SECONDS;
	while (!accepts(sni_port)) {
		ck_assert_msg(h_now() < deadline, "openssl s_server did not start");
		h_nap_ms(20);
	}
}

static void teardown(void)
{
	if (sni_server > 0) {
		kill(sni_server, SIGTERM);
		waitpid(sni_server, NULL, 0);
		sni_server = 0;
	}
	h_stop_all();
}

static void setup_servers(void)
{
	const struct h_tls *t = h_tls();

	good = start_tls(NULL, false, PASSWORD);
	wrong = start_tls(t->wrong_crt, false, NULL);
	expired = start_tls(t->expired_crt, false, NULL);
	self = start_tls(t->self_crt, false, NULL);
	mtls = start_tls(NULL, true, NULL);
	plain = h_redis_start_as(0, NULL);
	start_sni_server();
}

/* "redis[s]://HOST:PORT" of `r`. */
static const char *url_of(const char *scheme, const char *host, const struct h_redis *r, char *out,
			  size_t len)
{
	snprintf(out, len, "%s://%s:%d", scheme, host, r->port);
	return out;
}

/* "-o tls_ca=CA[,more]" */
static const char *with_ca(const char *more, char *out, size_t len)
{
	ck_assert_msg((size_t) snprintf(out, len, "tls_ca=%s%s%s", h_tls()->ca, more ? "," : "",
					more ? more : "") < len,
		      "options too long");
	return out;
}

/*
 * Run redisfs URL DIR -f -o OPTIONS (with REDISCLI_AUTH `auth`); assert exit
 * status 1, exactly one line on stderr that holds `message`, nothing mounted.
 */
static void assert_refused(const char *url, const char *options, const char *auth,
			   const char *message)
{
	const char *dir = h_scratch_dir();
	const char *args[] = {url, dir, "-f", options ? "-o" : NULL, options, NULL};
	const char *nl;
	struct h_run res;

	h_run_redisfs(args, auth, RUN_SECONDS * h_time_scale(), &res);
	nl = memchr(res.err, '\n', res.err_len);
	ck_assert_msg(res.status == 1, "%s -o %s: exit status %d, want 1; stderr: %s", url,
		      options ? options : "", res.status, res.err);
	ck_assert_msg(nl && nl == res.err + res.err_len - 1, "stderr must be one line: '%s'",
		      res.err);
	ck_assert_msg(strstr(res.err, message), "stderr '%.*s' lacks '%s'", (int) res.err_len - 1,
		      res.err, message);
	ck_assert_msg(!h_mount_info(dir, NULL, 0, NULL, 0), "%s was mounted", dir);
	h_run_free(&res);
}

/* Mount `r` at URL with options, write a key through the mount, read it back from Redis. */
static void assert_mounts_and_writes(const struct h_redis *r, const char *url, const char *options,
				     const char *auth)
{
	struct h_mount_spec spec = {.url = url, .options = options, .auth = auth};
	struct h_mount *m = h_mount_start(r, &spec);
	char path[H_PATH_MAX];
	redisContext *c;
	redisReply *reply;
	char *buf;
	size_t len;

	ck_assert_int_eq(
		h_write_file(h_path(path, sizeof path, m, "db0/via-tls"), "sealed", 6, 0644), 0);
	c = h_redis_connect(r, 0);
	reply = h_cmd(c, "GET via-tls");
	ck_assert_int_eq(reply->type, REDIS_REPLY_STRING);
	ck_assert_str_eq(reply->str, "sealed");
	freeReplyObject(reply);
	h_cmd_ok(c, "SET from-redis %s", "shown");
	redisFree(c);
	ck_assert_int_eq(h_read_file(h_path(path, sizeof path, m, "db0/from-redis"), &buf, &len),
			 0);
	ck_assert_str_eq(buf, "shown");
	free(buf);
	ck_assert_int_eq(unlink(h_path(path, sizeof path, m, "db0/via-tls")), 0);
	h_mount_stop(m);
}

START_TEST(test_rediss_reads_writes_and_removes_on_a_tls_only_port)
{
	char url[64], opts[H_PATH_MAX + 16];

	/* verified as an address (no SNI for an IP: RFC 6066), and as a host name */
	assert_mounts_and_writes(good, url_of("rediss", "127.0.0.1", good, url, sizeof url),
				 with_ca(NULL, opts, sizeof opts), PASSWORD);
	assert_mounts_and_writes(good, url_of("rediss", "localhost", good, url, sizeof url),
				 with_ca(NULL, opts, sizeof opts), PASSWORD);
}
END_TEST

START_TEST(test_ca_folder_is_trusted)
{
	const char *dir = h_scratch_dir();
	char url[64], opts[H_PATH_MAX + 16];

	ck_assert_int_eq(h_sh(dir, "mkdir cas && cp '%s' cas/ && openssl rehash cas >/dev/null",
			      h_tls()->ca),
			 0);
	snprintf(opts, sizeof opts, "tls_ca=%s/cas", dir);
	assert_mounts_and_writes(good, url_of("rediss", "127.0.0.1", good, url, sizeof url), opts,
				 PASSWORD);
	h_sh(dir, "rm -rf cas");
}
END_TEST

START_TEST(test_unknown_ca_is_refused)
{
	char url[64];

	/* the system's trust store does not know the test CA (which the server sends along) */
	assert_refused(url_of("rediss", "127.0.0.1", good, url, sizeof url), NULL, PASSWORD,
		       "certificate is not trusted: self-signed certificate in certificate chain");
}
END_TEST

START_TEST(test_self_signed_is_refused_and_tls_insecure_warns)
{
	struct h_mount_spec spec = {.options = "tls_insecure"};
	char url[64], opts[H_PATH_MAX + 16], *log;
	struct h_mount *m;
	size_t len;

	url_of("rediss", "127.0.0.1", self, url, sizeof url);
	assert_refused(url, with_ca(NULL, opts, sizeof opts), NULL, "self-signed certificate");
	assert_refused(url, NULL, NULL, "self-signed certificate");
	spec.url = url;
	m = h_mount_start(self, &spec);
	ck_assert_int_eq(access(h_path(opts, sizeof opts, m, "db0"), F_OK), 0);
	ck_assert_int_eq(h_read_file(m->log, &log, &len), 0);
	ck_assert_msg(strstr(log, "warning: tls_insecure"), "no warning in '%s'", log);
	free(log);
	h_mount_stop(m);
}
END_TEST

START_TEST(test_wrong_host_name_is_refused_and_tls_sni_names_it)
{
	char url[64], opts[H_PATH_MAX + 64];

	assert_refused(url_of("rediss", "127.0.0.1", wrong, url, sizeof url),
		       with_ca(NULL, opts, sizeof opts), NULL,
		       "certificate is not for '127.0.0.1'");
	assert_refused(url_of("rediss", "localhost", wrong, url, sizeof url),
		       with_ca(NULL, opts, sizeof opts), NULL,
		       "certificate is not for 'localhost'");
	/* tls_sni= is checked too: the good server's certificate is not for wrong.example */
	assert_refused(url_of("rediss", "127.0.0.1", good, url, sizeof url),
		       with_ca("tls_sni=wrong.example", opts, sizeof opts), PASSWORD,
		       "certificate is not for 'wrong.example'");
	assert_mounts_and_writes(wrong, url_of("rediss", "127.0.0.1", wrong, url, sizeof url),
				 with_ca("tls_sni=wrong.example", opts, sizeof opts), NULL);
}
END_TEST

/*
 * SNI on the wire: the host name is sent, and tls_sni= sends its name
 * (with an address and no tls_sni the server falls back to its other
 * certificate). Past the handshake the server's bytes are no RESP: the
 * refusal is then a protocol error, not a certificate.
 */
START_TEST(test_sni_sends_the_host_name_or_the_tls_sni_name)
{
	char url[64], opts[H_PATH_MAX + 64];

	snprintf(url, sizeof url, "rediss://localhost:%d", sni_port);
	assert_refused(url, with_ca("timeout=2", opts, sizeof opts), NULL, "Protocol error");
	snprintf(url, sizeof url, "rediss://127.0.0.1:%d", sni_port);
	assert_refused(url, with_ca("timeout=2", opts, sizeof opts), NULL,
		       "certificate is not for '127.0.0.1'");
	assert_refused(url, with_ca("timeout=2,tls_sni=localhost", opts, sizeof opts), NULL,
		       "Protocol error");
}
END_TEST

START_TEST(test_expired_certificate_is_refused)
{
	char url[64], opts[H_PATH_MAX + 16];

	assert_refused(url_of("rediss", "127.0.0.1", expired, url, sizeof url),
		       with_ca(NULL, opts, sizeof opts), NULL, "certificate has expired");
}
END_TEST

START_TEST(test_server_that_wants_a_client_certificate)
{
	const struct h_tls *t = h_tls();
	char url[64], opts[4 * H_PATH_MAX], more[3 * H_PATH_MAX];

	url_of("rediss", "127.0.0.1", mtls, url, sizeof url);
	assert_refused(url, with_ca(NULL, opts, sizeof opts), NULL,
		       "the server wants a client certificate");
	snprintf(more, sizeof more, "tls_cert=%s,tls_key=%s", t->client_crt, t->client_key);
	assert_mounts_and_writes(mtls, url, with_ca(more, opts, sizeof opts), NULL);
}
END_TEST

START_TEST(test_plain_and_tls_servers_behind_the_other_scheme_name_the_right_one)
{
	char url[64], opts[H_PATH_MAX + 32];

	assert_refused(url_of("rediss", "127.0.0.1", plain, url, sizeof url),
		       with_ca("timeout=1", opts, sizeof opts), NULL, "try redis://");
	assert_refused(url_of("redis", "127.0.0.1", good, url, sizeof url), "timeout=1", PASSWORD,
		       "try rediss://");
	assert_refused(url_of("redis", "127.0.0.1", good, url, sizeof url), "timeout=1", NULL,
		       "try rediss://");
}
END_TEST

START_TEST(test_bad_tls_options_are_refused_naming_them)
{
	const struct h_tls *t = h_tls();
	char url[64], opts[4 * H_PATH_MAX];

	assert_refused(url_of("redis", "127.0.0.1", plain, url, sizeof url), "tls_insecure", NULL,
		       "tls_insecure needs a TLS URL");
	url_of("rediss", "127.0.0.1", good, url, sizeof url);
	assert_refused(url, "tls_ca=/nonexistent/ca.pem", PASSWORD,
		       "tls_ca '/nonexistent/ca.pem': No such file or directory");
	snprintf(opts, sizeof opts, "tls_cert=%s", t->client_crt);
	assert_refused(url, opts, PASSWORD, "tls_cert= and tls_key= go together");
	snprintf(opts, sizeof opts, "tls_cert=%s,tls_key=%s", t->client_crt, t->server_key);
	assert_refused(url, opts, PASSWORD, "is not the key of tls_cert");
	assert_refused(url, "tls_sni=bad/name", PASSWORD, "bad tls_sni 'bad/name'");
}
END_TEST

START_TEST(test_password_over_tls_stays_out_of_mounts_and_cmdline)
{
	struct h_mount_spec spec = {.options = NULL};
	char url[128], opts[H_PATH_MAX + 16], source[256], cmdline[4096];
	struct h_mount *m;
	ssize_t n;
	int fd;

	snprintf(url, sizeof url, "rediss://:%s@127.0.0.1:%d", PASSWORD, good->port);
	spec.url = url;
	spec.options = with_ca(NULL, opts, sizeof opts);
	m = h_mount_start(good, &spec);
	ck_assert(h_mount_info(m->mnt, NULL, 0, source, sizeof source));
	ck_assert_msg(!strstr(source, PASSWORD), "/proc/mounts shows '%s'", source);
	/* under $REDISFS_WRAPPER (valgrind) the file shows the wrapper's copy of the arguments */
	if (getenv("REDISFS_WRAPPER")) {
		h_mount_stop(m);
		return;
	}
	snprintf(cmdline, sizeof cmdline, "/proc/%d/cmdline", (int) m->pid);
	fd = open(cmdline, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, cmdline, sizeof cmdline - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	for (ssize_t i = 0; i < n; i++)
		cmdline[i] = cmdline[i] ? cmdline[i] : ' ';
	cmdline[n] = '\0';
	ck_assert_msg(!strstr(cmdline, PASSWORD), "cmdline shows '%s'", cmdline);
	h_mount_stop(m);
}
END_TEST

START_TEST(test_config_file_takes_the_tls_options)
{
	const char *dir = h_scratch_dir();
	char conf[H_PATH_MAX], opts[H_PATH_MAX + 16], mnt[H_PATH_MAX];
	const char *args[] = {mnt, "-f", "-o", opts, NULL};
	struct h_run res;
	FILE *f;

	snprintf(conf, sizeof conf, "%s/redisfs.ini", dir);
	snprintf(mnt, sizeof mnt, "%s", h_scratch_dir());
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	/* tls_ca read: the refusal is about the name, not the CA; tls_sni read: that name */
	fprintf(f, "[redis]\nurl = rediss://127.0.0.1:%d\ntls_ca = %s\ntls_sni = wrong.example\n",
		good->port, h_tls()->ca);
	fclose(f);
	snprintf(opts, sizeof opts, "config=%s", conf);
	h_run_redisfs(args, PASSWORD, RUN_SECONDS * h_time_scale(), &res);
	ck_assert_msg(res.status == 1 && strstr(res.err, "certificate is not for 'wrong.example'"),
		      "status %d: %s", res.status, res.err);
	ck_assert(!h_mount_info(mnt, NULL, 0, NULL, 0));
	h_run_free(&res);
	unlink(conf);
}
END_TEST

static Suite *tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("tls");

	h_tcase_add_fixture(tc, setup_servers, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_rediss_reads_writes_and_removes_on_a_tls_only_port);
	tcase_add_test(tc, test_ca_folder_is_trusted);
	tcase_add_test(tc, test_unknown_ca_is_refused);
	tcase_add_test(tc, test_self_signed_is_refused_and_tls_insecure_warns);
	tcase_add_test(tc, test_wrong_host_name_is_refused_and_tls_sni_names_it);
	tcase_add_test(tc, test_sni_sends_the_host_name_or_the_tls_sni_name);
	tcase_add_test(tc, test_expired_certificate_is_refused);
	tcase_add_test(tc, test_server_that_wants_a_client_certificate);
	tcase_add_test(tc, test_plain_and_tls_servers_behind_the_other_scheme_name_the_right_one);
	tcase_add_test(tc, test_bad_tls_options_are_refused_naming_them);
	tcase_add_test(tc, test_password_over_tls_stays_out_of_mounts_and_cmdline);
	tcase_add_test(tc, test_config_file_takes_the_tls_options);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(tls_suite(), CK_FORK);
}
