/* One rule for untrusted bytes in every output: control characters shown as \xNN, bytes
 * that are not UTF-8 as U+FFFD; and a whole report, in each format and as e-mail, made of
 * hostile names, is valid UTF-8 without a raw control character. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/report.h"
#include "store/model.h"
#include "util/buf.h"
#include "util/mem.h"

#ifndef KH_SRCDIR
#define KH_SRCDIR "."
#endif

/* ESC [31m, an OSC title ended by BEL, a newline, a TAB, C1 CSI, bytes that are no UTF-8
 * (0xff 0xfe, an overlong '/', a surrogate, a lone continuation byte), then good UTF-8. */
#define HOSTILE "a\x1b[31mb\x1b]0;pwn\x07" "c\nd\te\xc2\x9b" "f\xff\xfe" "g\xc0\xaf" "h\xed\xa0\x80" \
	"i\x80" "j\xc3\xa9\xe2\x82\xac"

static char *with(void (*fn)(struct kh_buf *, const char *), const char *s)
{
	struct kh_buf b = { 0 };

	fn(&b, s);
	return kh_buf_steal(&b);
}

#define FFFD "\xef\xbf\xbd"

static void test_text(void **state)
{
	char *s = with(kh_text_safe, HOSTILE);

	(void)state;
	assert_string_equal(s, "a\\x1b[31mb\\x1b]0;pwn\\x07c\\x0ad\\x09e\\xc2\\x9bf" FFFD FFFD
			       "g" FFFD FFFD "h" FFFD FFFD FFFD "i" FFFD "j\xc3\xa9\xe2\x82\xac");
	free(s);
}

static void test_markdown(void **state)
{
	char *s = with(kh_escape_md, HOSTILE);

	(void)state;
	assert_string_equal(s, "a\\x1b\\[31mb\\x1b\\]0;pwn\\x07c d e\\xc2\\x9bf" FFFD FFFD
			       "g" FFFD FFFD "h" FFFD FFFD FFFD "i" FFFD "j\xc3\xa9\xe2\x82\xac");
	free(s);
}

static void test_html(void **state)
{
	char *s = with(kh_escape_html, HOSTILE "<&>");

	(void)state;
	assert_string_equal(s, "a\\x1b[31mb\\x1b]0;pwn\\x07c\nd\te\\xc2\\x9bf" FFFD FFFD
			       "g" FFFD FFFD "h" FFFD FFFD FFFD "i" FFFD "j\xc3\xa9\xe2\x82\xac"
			       "&lt;&amp;&gt;");
	free(s);
}

static void test_utf8_fix(void **state)
{
	char *s = kh_utf8_fix("ok\x1b\xff\xc3\xa9");

	(void)state;
	assert_string_equal(s, "ok\x1b" FFFD "\xc3\xa9"); /* only the bytes that are no UTF-8 */
	free(s);
}

/* Valid UTF-8 (RFC 3629, checked here on its own terms), and no control character but line
 * breaks and tabs. */
static void assert_clean(const char *what, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t at = 0; p[at]; ) {
		unsigned c = p[at];
		size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
			     : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		unsigned cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;

		if (len == 0)
			fail_msg("%s: byte 0x%02x at %zu starts no UTF-8", what, c, at);
		for (size_t i = 1; i < len; i++) {
			if ((p[at + i] & 0xc0) != 0x80)
				fail_msg("%s: truncated UTF-8 at %zu", what, at);
			cp = cp << 6 | (p[at + i] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			fail_msg("%s: overlong or surrogate at %zu", what, at);
		if ((cp < 0x20 && cp != '\n' && cp != '\r' && cp != '\t') || (cp >= 0x7f && cp < 0xa0))
			fail_msg("%s: raw control character U+%04X at %zu", what, cp, at);
		at += len;
	}
}

static struct kh_snapshot *night(int64_t t, int64_t alloc)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_pool *p;
	struct kh_volume *v;
	struct kh_domain *d;

	s->taken_at = t;
	s->host.uri = kh_strdup("qemu+ssh://kvm\x1b]0;x\x07" "1/system");
	s->host.hostname = kh_strdup("kvm1\x1b[2J\n" "evil\xff");
	s->host.hv_type = kh_strdup("QEMU");
	p = kh_snapshot_add_pool(s);
	p->name = kh_strdup("po\x07ol\xfe");
	p->type = kh_strdup("dir");
	p->state = kh_strdup("running");
	p->capacity = 100LL << 30;
	p->allocation = alloc;
	p->available = p->capacity - alloc;
	v = kh_snapshot_add_volume(s);
	v->pool = kh_strdup(p->name);
	v->name = kh_strdup("bad\xff\xfe.img\x1b[5m");
	v->path = kh_strdup("/srv/bad\xff\xfe.img");
	v->format = kh_strdup("raw");
	v->type = kh_strdup("file");
	v->capacity = 50LL << 30;
	v->allocation = alloc;
	d = kh_snapshot_add_domain(s);
	d->name = kh_strdup("dom\x1b" "ain\xc0");
	d->uuid = kh_strdup("6dad7601-55da-4594-8357-487a737fe376");
	d->state = kh_strdup("running");
	d->vcpus = t > 86400 * 2 ? 2 : 1; /* a drift row too */
	return s;
}

static void test_report_formats(void **state)
{
	struct kh_snapshot *s[4];
	struct kh_report *r = kh_report_new(0, 10 * 86400);
	struct kh_err err;
	char *md, *html, *mail;

	(void)state;
	for (int i = 0; i < 4; i++) {
		s[i] = night(i * 86400, (10LL + 3 * i) << 30);
		if (kh_report_add(r, i ? s[i - 1] : NULL, s[i], &err))
			fail_msg("kh_report_add: %s", err.msg);
	}
	md = kh_report_markdown(r);
	assert_clean("markdown", md);
	assert_non_null(strstr(md, "bad" FFFD FFFD ".img\\x1b\\[5m"));
	if (kh_report_html(r, KH_SRCDIR "/templates", &html, &err))
		fail_msg("html: %s", err.msg);
	assert_clean("html", html);
	assert_non_null(strstr(html, "bad" FFFD FFFD ".img\\x1b[5m"));
	if (kh_report_email(r, KH_SRCDIR "/templates", "ops@example.org", "kh@example.org", NULL,
			    &mail, &err))
		fail_msg("email: %s", err.msg);
	assert_clean("email", mail);
	/* the Subject is encoded (its text is not ASCII): its words decode to clean UTF-8 */
	{
		const char *subj = strstr(mail, "\r\nSubject: ");
		struct kh_buf dec = { 0 };
		static const char b64[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

		assert_non_null(subj);
		for (const char *w = strstr(subj, "=?UTF-8?B?"); w && w < strstr(subj + 2, "\r\n" "Message-ID") ;
		     w = strstr(w + 1, "=?UTF-8?B?")) {
			const char *q = w + 10;
			unsigned v = 0;
			int bits = 0;

			for (; *q && *q != '?'; q++) {
				const char *at = strchr(b64, *q);

				if (*q == '=' || at == NULL)
					continue;
				v = v << 6 | (unsigned)(at - b64);
				bits += 6;
				if (bits >= 8) {
					char c = (char)(v >> (bits - 8) & 0xff);

					kh_buf_add(&dec, &c, 1);
					bits -= 8;
				}
			}
		}
		assert_non_null(dec.data);
		assert_clean("subject", dec.data);
		assert_non_null(strstr(dec.data, "\\x1b"));
		kh_buf_free(&dec);
	}
	free(md);
	free(html);
	free(mail);
	kh_report_free(r);
	for (int i = 0; i < 4; i++)
		kh_snapshot_free(s[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_utf8_fix),
		cmocka_unit_test(test_report_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
