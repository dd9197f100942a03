/* One error message carried from library code up to main, which prints it. */
#ifndef KH_ERR_H
#define KH_ERR_H

#include <stdarg.h>
#include <stddef.h>

struct kh_err {
	char msg[1024];
};

/* Formats the message and returns -1, so callers can `return kh_err_set(...)`. */
int kh_err_set(struct kh_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int kh_err_vset(struct kh_err *err, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Prefixes the existing message with "prefix: " and returns -1. */
int kh_err_prefix(struct kh_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
