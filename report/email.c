/* The report as one RFC 5322 message: multipart/alternative with the plain text (the
 * document's text back end: columns aligned with spaces, for mutt and mail) as text/plain
 * and, as the rich part, a multipart/related of the HTML page (text/html) and one image/png
 * per chart, which the page shows as cid: images (Gmail and Outlook show neither
 * inline SVG nor data: URIs). Quoted-printable writes every '=' as =3D and base64 has no
 * '_', so a boundary beginning with "=_" cannot occur in any part; the text parts are
 * checked all the same. */
#include "report/escape.h"
#include "report/report_int.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HEADER_MAX 998
#define QP_LINE 76
#define WORD_BYTES 39 /* raw bytes per encoded-word: 52 base64 chars, 64 with =?UTF-8?B??= */

static int is_ascii_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Addresses and subject come from the command line: a CR or LF would start a header of
 * the caller's choosing, so they, and every other control character, are refused. */
static int check_header(const char *what, const char *v, struct kh_err *err)
{
	if (v == NULL || *v == '\0')
		return kh_err_set(err, "e-mail: no %s given", what);
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\r' || c == '\n')
			return kh_err_set(err, "e-mail: %s contains a line break", what);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return kh_err_set(err, "e-mail: %s contains a control character", what);
	}
	if (strlen(v) > HEADER_MAX - 40)
		return kh_err_set(err, "e-mail: %s is too long", what);
	return 0;
}

static void base64(struct kh_buf *b, const unsigned char *s, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		kh_buf_add(b, q, 4);
	}
}

/* RFC 2047 encoded-words, folded onto continuation lines; a UTF-8 sequence is never split
 * across two words. */
static void encode_words(struct kh_buf *b, const char *s)
{
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t len = n - i < WORD_BYTES ? n - i : WORD_BYTES;

		while (i + len < n && len > 1 && ((unsigned char)s[i + len] & 0xc0) == 0x80)
			len--;
		if (i)
			kh_buf_puts(b, "\r\n ");
		kh_buf_puts(b, "=?UTF-8?B?");
		base64(b, (const unsigned char *)s + i, len);
		kh_buf_puts(b, "?=");
		i += len;
	}
}

static void header_text(struct kh_buf *b, const char *name, const char *v)
{
	kh_buf_printf(b, "%s: ", name);
	if (is_ascii_text(v))
		kh_buf_puts(b, v);
	else
		encode_words(b, v);
	kh_buf_puts(b, "\r\n");
}

/* One address: "Name <a@b>", "a@b" or "\"Name\" <a@b>". A non-ASCII display name is
 * encoded; a non-ASCII address itself cannot be (that takes SMTPUTF8). */
static int address(struct kh_buf *b, const char *s, size_t n, const char *what,
		   struct kh_err *err)
{
	const char *lt = memchr(s, '<', n);
	char *name;
	size_t a, z;

	if (lt == NULL) {
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] >= 0x80)
				return kh_err_set(err, "e-mail: %s: non-ASCII address", what);
		kh_buf_add(b, s, n);
		return 0;
	}
	for (const char *p = lt; p < s + n; p++)
		if ((unsigned char)*p >= 0x80)
			return kh_err_set(err, "e-mail: %s: non-ASCII address", what);
	a = 0;
	z = (size_t)(lt - s);
	while (a < z && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\t'))
		z--;
	name = kh_strndup(s + a, z - a);
	if (is_ascii_text(name)) {
		kh_buf_add(b, s, n);
	} else {
		size_t len = strlen(name);

		if (len >= 2 && name[0] == '"' && name[len - 1] == '"') {
			memmove(name, name + 1, len - 2);
			name[len - 2] = '\0';
		}
		encode_words(b, name);
		kh_buf_puts(b, " ");
		kh_buf_add(b, lt, (size_t)(s + n - lt));
	}
	free(name);
	return 0;
}

/* A comma-separated address list; commas inside quotes or <> do not separate. */
static int header_addresses(struct kh_buf *b, const char *hdr, const char *v,
			    struct kh_err *err)
{
	const char *start = v;
	int quoted = 0, angle = 0;

	kh_buf_printf(b, "%s: ", hdr);
	for (const char *p = v;; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '<' && !quoted)
			angle = 1;
		else if (*p == '>' && !quoted)
			angle = 0;
		if (*p == '\0' || (*p == ',' && !quoted && !angle)) {
			const char *end = p;

			while (start < end && (*start == ' ' || *start == '\t'))
				start++;
			while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			if (end == start)
				return kh_err_set(err, "e-mail: %s: empty address", hdr);
			if (address(b, start, (size_t)(end - start), hdr, err))
				return -1;
			if (*p == '\0')
				break;
			kh_buf_puts(b, ", ");
			start = p + 1;
		}
	}
	kh_buf_puts(b, "\r\n");
	return 0;
}

/* Quoted-printable (RFC 2045): lines of at most 76 characters, "\n" becomes CRLF, '=',
 * controls, 8-bit bytes and whitespace at a line's end are encoded. */
static void qp_encode(struct kh_buf *b, const char *s)
{
	size_t col = 0;

	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char tok[4];
		size_t len = 1;
		int eol = p[1] == '\n' || p[1] == '\0';

		if (c == '\n') {
			kh_buf_puts(b, "\r\n");
			col = 0;
			continue;
		}
		if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !eol)) {
			tok[0] = (char)c;
		} else {
			static const char hex[] = "0123456789ABCDEF";

			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			len = 3;
		}
		if (col + len > QP_LINE - 1) {
			kh_buf_puts(b, "=\r\n");
			col = 0;
		}
		kh_buf_add(b, tok, len);
		col += len;
	}
}

static uint64_t hash(uint64_t h, const char *s)
{
	return kh_fnv1a(h, s, s ? strlen(s) : 0);
}

/* The domain of the (last) address in `from`, for the Message-ID. */
static char *id_domain(const char *from)
{
	const char *at = strrchr(from, '@'), *p;
	size_t n = 0;

	if (at) {
		for (p = at + 1; *p && *p != '>' && *p != ' ' && *p != ','; p++, n++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
				break;
		if (n && (*p == '\0' || *p == '>' || *p == ' ' || *p == ','))
			return kh_strndup(at + 1, n);
	}
	return kh_strdup("kvmhist.invalid");
}

static void date_header(struct kh_buf *b, int64_t now)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)now;
	struct tm tm;

	gmtime_r(&t, &tm);
	kh_buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
		      tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		      tm.tm_sec);
}

static void fix(char **s)
{
	char *f = kh_utf8_fix(*s);

	free(*s);
	*s = f;
}

/* "Storage report for kvm1 and kvm2: volume db.qcow2 on kvm1 full on 2026-01-15", with
 * control characters from host or volume names shown as \xNN, as in every output. */
static char *default_subject(const struct kh_report *r, const struct kh_analysis *a)
{
	char *first = kh_report_first_to_fill(r, a), *title = kh_report_hosts(r, 3), *s;
	struct kh_buf b = { 0 };

	s = kh_asprintf("Storage report for %s: %s", title, first);
	kh_text_safe(&b, s);
	free(s);
	s = kh_buf_steal(&b);
	free(first);
	free(title);
	return s;
}

/* The headers and parts that do not change with the charts kept. */
struct mail {
	const char *to, *from, *subject;
	int64_t now;
	const struct kh_mail_image *images;
	size_t n_images;
};

/* The message with the first `keep` charts, into *out. */
static int message(const struct kh_report *r, struct kh_mail_doc *md, const struct mail *ml,
		   size_t keep, struct kh_buf *m, struct kh_err *err)
{
	struct kh_buf text = { 0 }, html = { 0 };
	char *plain = NULL, *page = NULL, *domain = NULL, stamp[KH_TIME_LEN];
	char boundary[64], related[80], *b;
	uint64_t h;
	int rc = -1;

	m->len = 0;
	if (kh_mail_doc_pages(r, md, keep, &plain, &page, err))
		goto out;
	/* The parts declare UTF-8: whatever slipped through is made so. */
	fix(&plain);
	fix(&page);
	qp_encode(&text, plain);
	qp_encode(&html, page);

	kh_time_format(ml->now, stamp);
	h = hash(hash(hash(KH_FNV1A_BASIS, plain), stamp), ml->to);
	h ^= (uint64_t)getpid() * 0x9e3779b97f4a7c15ull;
	for (unsigned salt = 0;; salt++) {
		snprintf(boundary, sizeof boundary, "=_kvmhist_%016llx_%u", (unsigned long long)h,
			 salt);
		if (!strstr(text.data ? text.data : "", boundary) &&
		    !strstr(html.data ? html.data : "", boundary))
			break;
	}

	/* not a prefix of the outer boundary, nor it of this one (RFC 2046 5.1.1) */
	snprintf(related, sizeof related, "=_kvmhist_related%s", boundary + strlen("=_kvmhist"));

	date_header(m, ml->now);
	if (header_addresses(m, "From", ml->from, err) || header_addresses(m, "To", ml->to, err))
		goto out;
	header_text(m, "Subject", ml->subject);
	domain = id_domain(ml->from);
	/* "20260120T030000Z" */
	b = stamp;
	for (char *p = stamp; *p; p++)
		if (*p != '-' && *p != ':')
			*b++ = *p;
	*b = '\0';
	kh_buf_printf(m, "Message-ID: <kvmhist.%s.%016llx@%s>\r\n", stamp,
		      (unsigned long long)h, domain);
	kh_buf_puts(m, "MIME-Version: 1.0\r\n");
	kh_buf_printf(m, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n", boundary);
	kh_buf_puts(m, "Auto-Submitted: auto-generated\r\n");
	kh_buf_puts(m, "\r\nThis is a multi-part message in MIME format.\r\n");
	kh_buf_printf(m, "\r\n--%s\r\n", boundary);
	kh_buf_puts(m, "Content-Type: text/plain; charset=UTF-8\r\n"
		       "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	kh_buf_puts(m, text.data ? text.data : "");
	kh_buf_printf(m, "\r\n--%s\r\n", boundary);
	if (keep)
		kh_buf_printf(m, "Content-Type: multipart/related; type=\"text/html\";\r\n"
			      " boundary=\"%s\"\r\n\r\n--%s\r\n", related, related);
	kh_buf_puts(m, "Content-Type: text/html; charset=UTF-8\r\n"
		       "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	kh_buf_puts(m, html.data ? html.data : "");
	for (size_t i = 0; i < keep; i++) {
		const struct kh_mail_image *im = &ml->images[i];

		kh_buf_printf(m, "\r\n--%s\r\n", related);
		kh_buf_printf(m, "Content-Type: image/png\r\n"
			      "Content-Transfer-Encoding: base64\r\n"
			      "Content-ID: <chart%u@kvmhist>\r\n"
			      "Content-Disposition: inline; filename=\"chart%u.png\"\r\n\r\n",
			      im->id, im->id);
		/* 57 bytes make a 76-character line */
		for (size_t at = 0; at < im->len; at += 57) {
			base64(m, im->png + at, im->len - at < 57 ? im->len - at : 57);
			kh_buf_puts(m, "\r\n");
		}
	}
	if (keep)
		kh_buf_printf(m, "\r\n--%s--\r\n", related);
	kh_buf_printf(m, "\r\n--%s--\r\n", boundary);
	rc = 0;
out:
	kh_buf_free(&text);
	kh_buf_free(&html);
	free(plain);
	free(page);
	free(domain);
	return rc;
}

int kh_report_email(const struct kh_report *r, const char *templates_dir, const char *to,
		    const char *from, const char *subject, char **out, struct kh_err *err)
{
	struct kh_buf m = { 0 };
	struct kh_mail_doc *md = NULL;
	struct mail ml = { .to = to, .from = from, .now = kh_now() };
	struct kh_analysis *a;
	char *subj;
	size_t keep, lo, hi;
	int rc = -1;

	*out = NULL;
	if (check_header("To address", to, err) || check_header("From address", from, err) ||
	    (subject && *subject && check_header("subject", subject, err)))
		return -1;
	/* One analysis for the subject and both parts (kh_mail_doc_new frees it). The Subject
	 * declares UTF-8: whatever slipped through is made so. */
	a = kh_analysis_new(r);
	subj = subject && *subject ? kh_utf8_fix(subject) : default_subject(r, a);
	ml.subject = subj;
	if (kh_mail_doc_new(r, a, templates_dir, &md, err))
		goto out;
	ml.images = kh_mail_doc_images(md, &ml.n_images);
	/* Every chart when the mail holds them; else the most that keep it under KH_MAIL_MAX,
	 * in the report's order (the size grows with each chart kept). */
	keep = ml.n_images;
	if (message(r, md, &ml, keep, &m, err))
		goto out;
	if (m.len >= KH_MAIL_MAX && keep > 0) {
		lo = 0;
		hi = keep - 1;
		while (lo < hi) {
			size_t mid = lo + (hi - lo + 1) / 2;

			if (message(r, md, &ml, mid, &m, err))
				goto out;
			if (m.len < KH_MAIL_MAX)
				lo = mid;
			else
				hi = mid - 1;
		}
		if (message(r, md, &ml, lo, &m, err))
			goto out;
	}
	*out = kh_buf_steal(&m);
	rc = 0;
out:
	kh_buf_free(&m);
	kh_mail_doc_free(md);
	free(subj);
	return rc;
}
