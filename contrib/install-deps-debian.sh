#!/bin/sh
# Installs what kvmhist needs to build and test on Debian 12, as root.
# The QEMU driver, qemu and dnsmasq are for the end-to-end tests against a real libvirtd;
# python3 reads JSON and MIME in the end-to-end tests and plays a host that never answers.
# mandoc, groff, man-db and col check the man page; systemd brings systemd-analyze for the
# units (nothing is started).
# libclang-rt-14-dev is clang's libFuzzer runtime (make fuzz), valgrind is for make valgrind.
# librsvg and cairo (with fontconfig and the DejaVu fonts) draw the report's charts, libpng
# writes them small; zstd compresses the stored XML; chromium takes screenshots of the HTML
# report; openssh-server carries the qemu+ssh tests; prometheus brings promtool for the
# metrics test; debhelper, dpkg-dev and lintian build and check the Debian package.
set -eu
export DEBIAN_FRONTEND=noninteractive
# Installing must not start daemons (sshd, prometheus, libvirtd): tests start their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential pkg-config clang libclang-rt-14-dev valgrind git ca-certificates \
	libvirt-dev libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu \
	qemu-system-x86 qemu-utils dnsmasq-base python3 \
	libxml2-dev libsqlite3-dev sqlite3 libcmark-dev libcmocka-dev libjansson-dev \
	mandoc groff-base man-db bsdextrautils systemd \
	libcairo2-dev libfontconfig-dev librsvg2-dev libpng-dev fonts-dejavu-core libzstd-dev zstd \
	chromium openssh-server openssh-client prometheus \
	debhelper dpkg-dev fakeroot lintian \
	>/dev/null
