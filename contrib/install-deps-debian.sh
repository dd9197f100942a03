#!/bin/sh
# Installs what kvmhist needs to build and test on Debian 12, as root.
# The QEMU driver, qemu and dnsmasq are for the end-to-end tests against a real libvirtd;
# python3 reads JSON in the end-to-end tests and plays a host that never answers.
# mandoc, groff, man-db and col check the man page; systemd brings systemd-analyze for the
# units (nothing is started).
# libclang-rt-14-dev is clang's libFuzzer runtime (make fuzz), valgrind is for make valgrind.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential pkg-config clang libclang-rt-14-dev valgrind git ca-certificates \
	libvirt-dev libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu \
	qemu-system-x86 qemu-utils dnsmasq-base python3 \
	libxml2-dev libsqlite3-dev sqlite3 libcmark-dev libcmocka-dev libjansson-dev \
	mandoc groff-base man-db bsdextrautils systemd \
	>/dev/null
