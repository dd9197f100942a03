#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int kh_err_vset(struct kh_err *err, const char *fmt, va_list ap)
{
	if (err != NULL)
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return -1;
}

int kh_err_set(struct kh_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kh_err_vset(err, fmt, ap);
	va_end(ap);
	return -1;
}

int kh_err_prefix(struct kh_err *err, const char *fmt, ...)
{
	char old[sizeof err->msg];
	size_t len;
	va_list ap;

	if (err == NULL)
		return -1;
	memcpy(old, err->msg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	if (len + 2 < sizeof err->msg) {
		memcpy(err->msg + len, ": ", 3);
		len += 2;
		strncat(err->msg + len, old, sizeof err->msg - len - 1);
	}
	return -1;
}
