/* The XML comparison: every corpus file against a reordered copy of itself, single edits on
 * real-world documents, libvirt's equivalent spellings, hostile and malformed input. */
#include "report/xmldiff.h"

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tests/helpers.h"
#include <libxml/parser.h>
#include <libxml/tree.h>

#define CORPUS KH_SRCDIR "/tests/fixtures/libvirt-corpus"

/* ---- helpers ---- */

/* base with the one occurrence of `from` replaced by `to`. */
static char *edit(const char *base, const char *from, const char *to)
{
	const char *at = strstr(base, from);
	size_t n;
	char *r;

	if (at == NULL || strstr(at + 1, from) != NULL)
		fail_msg("'%s' must occur exactly once", from);
	n = strlen(base) - strlen(from) + strlen(to);
	r = malloc(n + 1);
	assert_non_null(r);
	memcpy(r, base, (size_t)(at - base));
	strcpy(r + (at - base), to);
	strcat(r, at + strlen(from));
	return r;
}

static void print_changes(const struct kh_xml_changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		print_message("  [%d] %s: %s -> %s\n", c->items[i].kind, c->items[i].path,
			      c->items[i].old ? c->items[i].old : "(null)",
			      c->items[i].new_ ? c->items[i].new_ : "(null)");
}

static void diff(const char *a, const char *b, const char *const *ignore,
		 struct kh_xml_changes *out)
{
	struct kh_err err = { "" };

	if (kh_xml_diff(a, b, ignore, out, &err) != 0)
		fail_msg("kh_xml_diff failed: %s", err.msg);
}

static void expect_none(const char *a, const char *b, const char *const *ignore)
{
	struct kh_xml_changes c = { 0 };

	diff(a, b, ignore, &c);
	if (c.n != 0) {
		print_changes(&c);
		fail_msg("expected no change, got %zu", c.n);
	}
	kh_xml_changes_free(&c);
}

static void assert_null_or_str(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static void expect_one(const char *a, const char *b, const char *const *ignore,
		       const char *path, const char *old, const char *new_,
		       enum kh_value_kind kind)
{
	struct kh_xml_changes c = { 0 };

	diff(a, b, ignore, &c);
	if (c.n != 1) {
		print_changes(&c);
		fail_msg("expected one change at %s, got %zu", path, c.n);
	}
	assert_string_equal(c.items[0].path, path);
	assert_null_or_str(c.items[0].old, old);
	assert_null_or_str(c.items[0].new_, new_);
	assert_int_equal(c.items[0].kind, kind);
	kh_xml_changes_free(&c);
}

/* ---- a reordered copy: children shuffled, attributes reversed, whitespace added ---- */

static unsigned rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static int has_text(const xmlNode *e)
{
	for (const xmlNode *k = e->children; k; k = k->next)
		if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) &&
		    !xmlIsBlankNode(k))
			return 1;
	return 0;
}

static void reorder(xmlNode *e, unsigned *seed, int depth)
{
	xmlNode *kids[4096], *k, *next;
	size_t n = 0;
	xmlAttr *a, *prev = NULL;

	/* Attributes in reverse order. */
	for (a = e->properties; a; a = (xmlAttr *)next) {
		next = (xmlNode *)a->next;
		a->next = prev;
		a->prev = (xmlAttr *)next;
		prev = a;
	}
	e->properties = prev;
	if (has_text(e)) {
		for (k = e->children; k; k = k->next)
			if (k->type == XML_ELEMENT_NODE)
				reorder(k, seed, depth + 1);
		return;
	}
	/* Element-only content: shuffle, keeping order where order is meaningful. */
	for (k = e->children; k; k = next) {
		next = k->next;
		xmlUnlinkNode(k);
		if (k->type != XML_ELEMENT_NODE) {
			xmlFreeNode(k);
			continue;
		}
		if (n == sizeof kids / sizeof kids[0])
			fail_msg("more than %zu children: enlarge kids[]", n);
		k->_private = (void *)(uintptr_t)(n + 1); /* document order */
		kids[n++] = k;
	}
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd(seed) % i;
		xmlNode *t = kids[i - 1];

		kids[i - 1] = kids[j];
		kids[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		/* For an ordered group, the slots its members landed in get them back in
		 * document order: the first slot takes the earliest member. */
		if (!kh_xml_order_matters((const char *)e->name, (const char *)kids[i]->name))
			continue;
		for (size_t j = i + 1; j < n; j++)
			if (xmlStrEqual(kids[j]->name, kids[i]->name) &&
			    (uintptr_t)kids[j]->_private < (uintptr_t)kids[i]->_private) {
				xmlNode *t = kids[i];

				kids[i] = kids[j];
				kids[j] = t;
			}
	}
	for (size_t i = 0; i < n; i++) {
		char ws[64];

		snprintf(ws, sizeof ws, "\n%*s", (int)(depth * 3 + rnd(seed) % 3), "");
		xmlAddChild(e, xmlNewText((const xmlChar *)ws));
		xmlAddChild(e, kids[i]);
		reorder(kids[i], seed, depth + 1);
	}
	/* Whitespace in an empty element is no text either. */
	xmlAddChild(e, xmlNewText((const xmlChar *)(n ? "\n" : "  ")));
}

static char *reordered(const char *xml, unsigned seed)
{
	xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlChar *out = NULL;
	char *r;
	int len;

	if (doc == NULL)
		return NULL;
	reorder(xmlDocGetRootElement(doc), &seed, 1);
	xmlDocDumpMemory(doc, &out, &len);
	xmlFreeDoc(doc);
	r = strdup((const char *)out);
	xmlFree(out);
	return r;
}

struct corpus {
	char **paths;
	size_t n;
};

static void corpus_walk(struct corpus *c, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			corpus_walk(c, path);
		} else if (strlen(de->d_name) > 4 &&
			   strcmp(de->d_name + strlen(de->d_name) - 4, ".xml") == 0) {
			c->paths = realloc(c->paths, (c->n + 1) * sizeof *c->paths);
			assert_non_null(c->paths);
			c->paths[c->n++] = strdup(path);
		}
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct corpus corpus;

static int corpus_setup(void **state)
{
	(void)state;
	corpus_walk(&corpus, CORPUS);
	qsort(corpus.paths, corpus.n, sizeof *corpus.paths, cmp_str);
	return 0;
}

static int corpus_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < corpus.n; i++)
		free(corpus.paths[i]);
	free(corpus.paths);
	return 0;
}

static int is_object(const char *xml)
{
	return strstr(xml, "<domain") || strstr(xml, "<network") || strstr(xml, "<pool") ||
	       strstr(xml, "<volume");
}

/* ---- the corpus ---- */

static void test_corpus_reordered_is_no_change(void **state)
{
	size_t done = 0, unreadable = 0;

	(void)state;
	if (corpus.n < 300)
		fail_msg("%s: %zu XML files, expected the corpus (~370)", CORPUS, corpus.n);
	for (size_t i = 0; i < corpus.n; i++) {
		char *xml = kh_test_try_slurp(corpus.paths[i], NULL), *shuffled;
		struct kh_xml_changes c = { 0 };
		struct kh_err err = { "" };

		assert_non_null(xml);
		shuffled = reordered(xml, (unsigned)i + 1);
		if (shuffled == NULL || !is_object(xml)) {
			/* One corpus file is a symlink stored as text: it must be refused. */
			assert_int_equal(kh_xml_diff(xml, xml, NULL, &c, &err), -1);
			assert_non_null(strstr(err.msg, "malformed"));
			unreadable++;
			free(xml);
			free(shuffled);
			continue;
		}
		assert_string_not_equal(xml, shuffled);
		if (kh_xml_diff(xml, shuffled, NULL, &c, &err) != 0)
			fail_msg("%s: %s", corpus.paths[i], err.msg);
		if (c.n) {
			print_changes(&c);
			fail_msg("%s: reordered copy gives %zu changes", corpus.paths[i], c.n);
		}
		if (kh_xml_diff(shuffled, xml, NULL, &c, &err) != 0 || c.n != 0)
			fail_msg("%s: reordered copy differs the other way", corpus.paths[i]);
		free(xml);
		free(shuffled);
		done++;
	}
	print_message("  %zu corpus documents reordered, %zu unreadable\n", done, unreadable);
	assert_true(done >= 300);
	assert_true(unreadable <= 2);
}

/* Every element's attributes, for picking one at random. */
static void all_attrs(xmlNode *e, xmlAttr ***v, size_t *n)
{
	for (xmlAttr *a = e->properties; a; a = a->next) {
		if (xmlStrEqual(a->name, (const xmlChar *)"unit"))
			continue;
		*v = realloc(*v, (*n + 1) * sizeof **v);
		(*v)[(*n)++] = a;
	}
	for (xmlNode *k = e->children; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE)
			all_attrs(k, v, n);
}

static void all_elements(xmlNode *e, xmlNode ***v, size_t *n)
{
	for (xmlNode *k = e->children; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE) {
			*v = realloc(*v, (*n + 1) * sizeof **v);
			(*v)[(*n)++] = k;
			all_elements(k, v, n);
		}
}

static char *dump(xmlDoc *doc)
{
	xmlChar *out = NULL;
	char *r;
	int len;

	xmlDocDumpMemory(doc, &out, &len);
	r = strdup((const char *)out);
	xmlFree(out);
	return r;
}

/* Two XML changes, one element removed and one added: the edit changed an element's key. */
static int is_rekeyed(const struct kh_xml_changes *c)
{
	return c->n == 2 && c->items[0].kind == KH_VALUE_XML && c->items[1].kind == KH_VALUE_XML &&
	       (c->items[0].old == NULL) != (c->items[1].old == NULL);
}

/* One attribute edited anywhere in each corpus document: one change, at .../@attr, with the
 * old and new values (or, for an attribute that is part of a key, its element replaced). */
static void test_corpus_attribute_edit_is_one_change(void **state)
{
	size_t done = 0, rekeyed = 0;

	(void)state;
	for (size_t i = 0; i < corpus.n; i++) {
		char *xml = kh_test_try_slurp(corpus.paths[i], NULL), *edited, suffix[256];
		xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
					    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
		struct kh_xml_changes c = { 0 };
		xmlAttr **attrs = NULL, *a;
		size_t n = 0;
		xmlChar *was;
		unsigned seed = (unsigned)i * 7 + 3;

		if (doc == NULL || !is_object(xml)) {
			xmlFreeDoc(doc);
			free(xml);
			continue;
		}
		all_attrs(xmlDocGetRootElement(doc), &attrs, &n);
		if (n == 0) {
			xmlFreeDoc(doc);
			free(xml);
			continue;
		}
		a = attrs[rnd(&seed) % n];
		was = xmlNodeGetContent((xmlNode *)a);
		xmlNodeSetContent((xmlNode *)a, (const xmlChar *)"kh-edited");
		snprintf(suffix, sizeof suffix, "/@%s%s%s", a->ns && a->ns->prefix ?
			 (const char *)a->ns->prefix : "", a->ns && a->ns->prefix ? ":" : "",
			 (const char *)a->name);
		edited = dump(doc);
		diff(xml, edited, NULL, &c);
		if (is_rekeyed(&c)) {
			/* the element that held it, replaced: gone with the old value, back with
			 * the new one */
			const struct kh_xml_change *gone = c.items[0].old ? &c.items[0] : &c.items[1];
			const struct kh_xml_change *back = c.items[0].old ? &c.items[1] : &c.items[0];

			assert_non_null(strstr(back->new_, "\"kh-edited\""));
			assert_null(strstr(gone->old, "\"kh-edited\""));
			if (getenv("KH_VERBOSE"))
				print_message("  key %s: %s\n", suffix, gone->path);
			rekeyed++;
		} else if (c.n != 1 || strlen(c.items[0].path) < strlen(suffix) ||
			   strcmp(c.items[0].path + strlen(c.items[0].path) - strlen(suffix),
				  suffix) != 0 || strcmp(c.items[0].old, (const char *)was) != 0 ||
			   strcmp(c.items[0].new_, "kh-edited") != 0) {
			print_changes(&c);
			fail_msg("%s: editing %s gives %zu changes", corpus.paths[i], suffix, c.n);
		}
		kh_xml_changes_free(&c);
		xmlFree(was);
		free(attrs);
		free(edited);
		xmlFreeDoc(doc);
		free(xml);
		done++;
	}
	print_message("  %zu attribute edits, %zu of a key\n", done, rekeyed);
	assert_true(done >= 300);
	assert_true(rekeyed < done / 2);
}

/* One element removed anywhere in each corpus document: one change, the element. */
static void test_corpus_element_removal_is_one_change(void **state)
{
	size_t done = 0, other = 0;

	(void)state;
	for (size_t i = 0; i < corpus.n; i++) {
		char *xml = kh_test_try_slurp(corpus.paths[i], NULL), *edited;
		xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
					    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
		struct kh_xml_changes c = { 0 };
		xmlNode **elems = NULL, *e;
		size_t n = 0;
		unsigned seed = (unsigned)i * 13 + 5;
		int ordered;

		if (doc == NULL || !is_object(xml)) {
			xmlFreeDoc(doc);
			free(xml);
			continue;
		}
		all_elements(xmlDocGetRootElement(doc), &elems, &n);
		e = elems[rnd(&seed) % n];
		ordered = kh_xml_order_matters((const char *)e->parent->name, (const char *)e->name);
		xmlUnlinkNode(e);
		xmlFreeNode(e);
		edited = dump(doc);
		diff(xml, edited, NULL, &c);
		if (c.n == 1) {
			assert_int_equal(c.items[0].kind, KH_VALUE_XML);
			assert_non_null(c.items[0].old);
			assert_null(c.items[0].new_);
		} else if (is_rekeyed(&c) || ordered) {
			/* a key part of its parent, or a place in an ordered list */
			other++;
		} else {
			print_changes(&c);
			fail_msg("%s: removing an element gives %zu changes", corpus.paths[i], c.n);
		}
		kh_xml_changes_free(&c);
		free(elems);
		free(edited);
		xmlFreeDoc(doc);
		free(xml);
		done++;
	}
	print_message("  %zu element removals, %zu of a key or an ordered list\n", done, other);
	assert_true(done >= 300);
	assert_true(other < done / 4);
}

/* ---- single edits ---- */

static const char aries[] =
	"<domain type='kvm'>\n"
	"  <name>aries</name>\n"
	"  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>\n"
	"  <memory unit='KiB'>2097152</memory>\n"
	"  <currentMemory unit='KiB'>2097152</currentMemory>\n"
	"  <vcpu placement='static'>2</vcpu>\n"
	"  <os>\n"
	"    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n"
	"    <boot dev='hd'/>\n"
	"    <boot dev='cdrom'/>\n"
	"  </os>\n"
	"  <features>\n    <acpi/>\n    <apic/>\n  </features>\n"
	"  <clock offset='utc'>\n"
	"    <timer name='rtc' tickpolicy='catchup'/>\n"
	"    <timer name='pit' tickpolicy='delay'/>\n"
	"  </clock>\n"
	"  <devices>\n"
	"    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
	"    <disk type='file' device='disk'>\n"
	"      <driver name='qemu' type='qcow2'/>\n"
	"      <source file='/var/lib/libvirt/images/aries.qcow2'/>\n"
	"      <target dev='vda' bus='virtio'/>\n"
	"      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>\n"
	"    </disk>\n"
	"    <disk type='file' device='disk'>\n"
	"      <driver name='qemu' type='raw'/>\n"
	"      <source file='/var/lib/libvirt/images/aries-data.raw'/>\n"
	"      <target dev='vdb' bus='virtio'/>\n"
	"    </disk>\n"
	"    <controller type='usb' index='0' model='qemu-xhci' ports='15'/>\n"
	"    <controller type='pci' index='0' model='pcie-root'/>\n"
	"    <interface type='network'>\n"
	"      <mac address='52:54:00:76:db:ef'/>\n"
	"      <source network='default'/>\n"
	"      <model type='virtio'/>\n"
	"    </interface>\n"
	"    <interface type='network'>\n"
	"      <mac address='52:54:00:11:22:33'/>\n"
	"      <source network='storage'/>\n"
	"      <model type='virtio'/>\n"
	"    </interface>\n"
	"    <channel type='unix'>\n"
	"      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
	"    </channel>\n"
	"    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>\n"
	"    <video>\n      <model type='virtio' heads='1'/>\n    </video>\n"
	"    <video>\n      <model type='virtio' heads='1' primary='no'/>\n    </video>\n"
	"  </devices>\n"
	"</domain>\n";

#define VDB_DISK \
	"    <disk type='file' device='disk'>\n" \
	"      <driver name='qemu' type='raw'/>\n" \
	"      <source file='/var/lib/libvirt/images/aries-data.raw'/>\n" \
	"      <target dev='vdb' bus='virtio'/>\n" \
	"    </disk>\n"

static void test_attribute_value(void **state)
{
	char *b = edit(aries, "<source network='default'/>", "<source network='isolated'/>");

	(void)state;
	expect_one(aries, b, NULL,
		   "/domain/devices/interface[mac/@address='52:54:00:76:db:ef']/source/@network",
		   "default", "isolated", KH_VALUE_TEXT);
	free(b);
}

static void test_text(void **state)
{
	char *b = edit(aries, ">2</vcpu>", ">4</vcpu>");

	(void)state;
	expect_one(aries, b, NULL, "/domain/vcpu", "2", "4", KH_VALUE_TEXT);
	free(b);
}

static void test_memory_is_bytes_once(void **state)
{
	char *b = edit(aries, "<memory unit='KiB'>2097152</memory>",
		       "<memory unit='KiB'>4194304</memory>");
	char *same = edit(aries, "<memory unit='KiB'>2097152</memory>",
			  "<memory unit='GiB'>2</memory>");
	char *bigger = edit(aries, "<memory unit='KiB'>2097152</memory>",
			    "<memory unit='G'>3</memory>");
	char *no_unit = edit(aries, "<memory unit='KiB'>2097152</memory>", "<memory>2097152</memory>");

	(void)state;
	expect_one(aries, b, NULL, "/domain/memory", "2147483648", "4294967296", KH_VALUE_BYTES);
	/* a unit change alone, same amount: libvirt's rewrite, no change */
	expect_none(aries, same, NULL);
	expect_none(aries, no_unit, NULL);
	/* value and unit changed together: one change */
	expect_one(aries, bigger, NULL, "/domain/memory", "2147483648", "3221225472",
		   KH_VALUE_BYTES);
	free(b);
	free(same);
	free(bigger);
	free(no_unit);
}

static void test_element_added(void **state)
{
	char *b = edit(aries, "    <controller type='usb'",
		       "    <disk type='file' device='disk'>\n"
		       "      <source file='/var/lib/libvirt/images/aries-logs.qcow2'/>\n"
		       "      <target dev='vdc' bus='virtio'/>\n"
		       "    </disk>\n"
		       "    <controller type='usb'");

	(void)state;
	expect_one(aries, b, NULL, "/domain/devices/disk[target/@dev='vdc']", NULL,
		   "<disk type=\"file\" device=\"disk\"><source "
		   "file=\"/var/lib/libvirt/images/aries-logs.qcow2\"/><target dev=\"vdc\" "
		   "bus=\"virtio\"/></disk>",
		   KH_VALUE_XML);
	free(b);
}

static void test_element_removed(void **state)
{
	char *b = edit(aries, VDB_DISK, "");

	(void)state;
	expect_one(aries, b, NULL, "/domain/devices/disk[target/@dev='vdb']",
		   "<disk type=\"file\" device=\"disk\"><driver name=\"qemu\" type=\"raw\"/>"
		   "<source file=\"/var/lib/libvirt/images/aries-data.raw\"/><target dev=\"vdb\" "
		   "bus=\"virtio\"/></disk>",
		   NULL, KH_VALUE_XML);
	free(b);
}

static void test_keyed_children_reordered(void **state)
{
	char *no_vdb = edit(aries, VDB_DISK, "");
	char *b = edit(no_vdb, "  <devices>\n", "  <devices>\n" VDB_DISK);
	char *c = edit(b, "<controller type='pci' index='0' model='pcie-root'/>\n", "");
	char *d = edit(c, "    <controller type='usb'",
		       "    <controller type='pci' index='0' model='pcie-root'/>\n"
		       "    <controller type='usb'");

	(void)state;
	expect_none(aries, d, NULL);
	free(no_vdb);
	free(b);
	free(c);
	free(d);
}

static void test_attribute_added_and_removed(void **state)
{
	char *b = edit(aries, "<driver name='qemu' type='qcow2'/>",
		       "<driver name='qemu' type='qcow2' cache='none'/>");
	char *c = edit(aries, " ports='15'", "");

	(void)state;
	expect_one(aries, b, NULL, "/domain/devices/disk[target/@dev='vda']/driver/@cache", NULL,
		   "none", KH_VALUE_TEXT);
	expect_one(aries, c, NULL, "/domain/devices/controller[@type='usb'][@index='0']/@ports",
		   "15", NULL, KH_VALUE_TEXT);
	free(b);
	free(c);
}

static void test_unkeyed_repeated(void **state)
{
	char *b = edit(aries, "heads='1' primary='no'", "heads='2' primary='no'");
	/* the two videos swapped: each matches itself by content */
	char *c = edit(aries, "    <video>\n      <model type='virtio' heads='1'/>\n    </video>\n",
		       "");
	char *d = edit(c, "  </devices>",
		       "    <video>\n      <model type='virtio' heads='1'/>\n    </video>\n"
		       "  </devices>");

	(void)state;
	expect_one(aries, b, NULL, "/domain/devices/video[2]/model/@heads", "1", "2",
		   KH_VALUE_TEXT);
	expect_none(aries, d, NULL);
	free(b);
	free(c);
	free(d);
}

/* Boot order is meaningful: swapping is a change at each place. */
static void test_ordered_boot(void **state)
{
	char *b = edit(aries, "<boot dev='hd'/>\n    <boot dev='cdrom'/>",
		       "<boot dev='cdrom'/>\n    <boot dev='hd'/>");
	struct kh_xml_changes c = { 0 };

	(void)state;
	diff(aries, b, NULL, &c);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.items[0].path, "/domain/os/boot[1]/@dev");
	assert_string_equal(c.items[0].old, "hd");
	assert_string_equal(c.items[0].new_, "cdrom");
	assert_string_equal(c.items[1].path, "/domain/os/boot[2]/@dev");
	kh_xml_changes_free(&c);
	free(b);
}

static void test_key_quoting(void **state)
{
	char *b = edit(aries, "  </devices>",
		       "    <channel type='unix'><target type='virtio' name=\"it's\"/></channel>\n"
		       "  </devices>");
	char *c = edit(aries, "  </devices>",
		       "    <channel type='unix'><target type='virtio' name=\"a'b&quot;c\"/>"
		       "</channel>\n  </devices>");
	struct kh_xml_changes x = { 0 };

	(void)state;
	diff(aries, b, NULL, &x);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.items[0].path, "/domain/devices/channel[target/@name=\"it's\"]");
	kh_xml_changes_free(&x);
	diff(aries, c, NULL, &x);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.items[0].path,
			    "/domain/devices/channel[target/@name=concat('a', \"'\", 'b\"c')]");
	kh_xml_changes_free(&x);
	free(b);
	free(c);
}

static void test_duplicate_keys(void **state)
{
	static const char a[] =
		"<domain><devices>"
		"<controller type='usb' index='0' model='ich9-ehci1'/>"
		"<controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>"
		"<controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller>"
		"</devices></domain>";
	char *b = edit(a, "startport='2'", "startport='4'");

	(void)state;
	expect_one(a, b, NULL,
		   "/domain/devices/controller[@type='usb'][@index='0'][3]/master/@startport", "2",
		   "4", KH_VALUE_TEXT);
	free(b);
}

/* Attribute order, quotes, whitespace, hex or decimal addresses, MAC and UUID case. */
static void test_equivalent_spellings(void **state)
{
	char *a1 = edit(aries, "<target dev='vda' bus='virtio'/>", "<target bus=\"virtio\"   dev=\"vda\" />");
	char *a2 = edit(a1, "<emulator>/usr/bin/qemu-system-x86_64</emulator>",
			"<emulator>\n      /usr/bin/qemu-system-x86_64\n    </emulator>");
	char *a3 = edit(a2, "bus='0x04' slot='0x00'", "bus='4' slot='0'");
	char *a4 = edit(a3, "52:54:00:76:db:ef", "52:54:00:76:DB:EF");
	char *a5 = edit(a4, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0", "4DEA22B31D52D8F32516782E98AB3FA0");
	char *a6 = edit(a5, "<acpi/>", "<acpi></acpi>");

	(void)state;
	expect_none(aries, a6, NULL);
	free(a1);
	free(a2);
	free(a3);
	free(a4);
	free(a5);
	free(a6);
}

static const char net[] =
	"<network>\n"
	"  <name>default</name>\n"
	"  <uuid>9a05da11-e96b-47f3-8253-a3a482e445f5</uuid>\n"
	"  <forward mode='nat'/>\n"
	"  <bridge name='virbr0' stp='on' delay='0'/>\n"
	"  <mac address='52:54:00:0a:0b:0c'/>\n"
	"  <dns>\n"
	"    <host ip='192.168.122.2'><hostname>gw</hostname></host>\n"
	"  </dns>\n"
	"  <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
	"    <dhcp>\n"
	"      <range start='192.168.122.100' end='192.168.122.254'/>\n"
	"      <host mac='52:54:00:aa:bb:cc' name='aries' ip='192.168.122.10'/>\n"
	"      <host mac='52:54:00:dd:ee:ff' name='leo' ip='192.168.122.11'/>\n"
	"    </dhcp>\n"
	"  </ip>\n"
	"  <ip family='ipv6' address='fd00::1' prefix='64'/>\n"
	"  <portgroup name='web'>\n    <vlan><tag id='42'/></vlan>\n  </portgroup>\n"
	"</network>\n";

static void test_network_keys(void **state)
{
	char *a = edit(net, "ip='192.168.122.10'", "ip='192.168.122.20'");
	char *b = edit(net, "end='192.168.122.254'", "end='192.168.122.200'");
	char *c = edit(net, "<hostname>gw</hostname>", "<hostname>gateway</hostname>");
	char *d = edit(net, "<portgroup name='web'>", "<portgroup name='web' default='yes'>");
	char *e = edit(net, "prefix='64'", "prefix='48'");

	(void)state;
	expect_one(net, a, NULL,
		   "/network/ip[@address='192.168.122.1']/dhcp/host[@mac='52:54:00:aa:bb:cc']/@ip",
		   "192.168.122.10", "192.168.122.20", KH_VALUE_TEXT);
	expect_one(net, b, NULL,
		   "/network/ip[@address='192.168.122.1']/dhcp/range[@start='192.168.122.100']/@end",
		   "192.168.122.254", "192.168.122.200", KH_VALUE_TEXT);
	expect_one(net, c, NULL, "/network/dns/host[@ip='192.168.122.2']/hostname", "gw",
		   "gateway", KH_VALUE_TEXT);
	expect_one(net, d, NULL, "/network/portgroup[@name='web']/@default", NULL, "yes",
		   KH_VALUE_TEXT);
	expect_one(net, e, NULL, "/network/ip[@address='fd00::1']/@prefix", "64", "48",
		   KH_VALUE_TEXT);
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
}

static const char pool[] =
	"<pool type='dir'>\n"
	"  <name>default</name>\n"
	"  <uuid>c6a2a8f8-8b3b-4a1c-9a51-0e2d7c6f1c11</uuid>\n"
	"  <capacity unit='bytes'>107374182400</capacity>\n"
	"  <allocation unit='bytes'>53687091200</allocation>\n"
	"  <available unit='bytes'>53687091200</available>\n"
	"  <source/>\n"
	"  <target>\n    <path>/var/lib/libvirt/images</path>\n"
	"    <permissions><mode>0711</mode><owner>0</owner><group>0</group></permissions>\n"
	"  </target>\n"
	"</pool>\n";

static void test_ignore_list(void **state)
{
	static const char *const ignore[] = { "/pool/capacity", "/pool/allocation",
					      "/pool/available", "/pool/name", NULL };
	char *a = edit(pool, ">53687091200</allocation>", ">64424509440</allocation>");
	char *b = edit(a, ">53687091200</available>", ">42949672960</available>");
	char *c = edit(b, "<name>default</name>", "<name>images</name>");
	char *d = edit(c, "<mode>0711</mode>", "<mode>0755</mode>");

	(void)state;
	expect_none(pool, c, ignore);
	expect_one(pool, a, NULL, "/pool/allocation", "53687091200", "64424509440",
		   KH_VALUE_BYTES);
	expect_one(pool, d, ignore, "/pool/target/permissions/mode", "0711", "0755",
		   KH_VALUE_TEXT);
	free(a);
	free(b);
	free(c);
	free(d);
}

static void test_volume_timestamps_and_units(void **state)
{
	static const char *const ignore[] = { "/volume/target/timestamps", NULL };
	static const char vol[] =
		"<volume type='file'><name>aries.qcow2</name>"
		"<key>/var/lib/libvirt/images/aries.qcow2</key>"
		"<capacity unit='bytes'>21474836480</capacity>"
		"<target><path>/var/lib/libvirt/images/aries.qcow2</path><format type='qcow2'/>"
		"<timestamps><atime>1700000000.1</atime><mtime>1700000000.2</mtime></timestamps>"
		"</target></volume>";
	char *a = edit(vol, "<atime>1700000000.1</atime>", "<atime>1700086400.5</atime>");
	char *b = edit(a, "<capacity unit='bytes'>21474836480</capacity>",
		       "<capacity unit='G'>20</capacity>");
	char *c = edit(vol, "<capacity unit='bytes'>21474836480</capacity>",
		       "<capacity unit='GB'>20</capacity>");

	(void)state;
	expect_none(vol, b, ignore);
	expect_one(vol, c, ignore, "/volume/capacity", "21474836480", "20000000000",
		   KH_VALUE_BYTES);
	free(a);
	free(b);
	free(c);
}

/* Namespaced metadata: the prefix is a spelling, the namespace is the name. */
static void test_namespaces(void **state)
{
	static const char a[] =
		"<domain><metadata><app:foo xmlns:app='http://foo.org/' x='1'>fooish</app:foo>"
		"</metadata></domain>";
	static const char b[] =
		"<domain><metadata><other:foo xmlns:other='http://foo.org/' x='1'>fooish</other:foo>"
		"</metadata></domain>";
	static const char c[] =
		"<domain><metadata><app:foo xmlns:app='http://foo.org/' x='2'>fooish</app:foo>"
		"</metadata></domain>";

	(void)state;
	expect_none(a, b, NULL);
	expect_one(a, c, NULL, "/domain/metadata/app:foo/@x", "1", "2", KH_VALUE_TEXT);
}

static void test_root_replaced(void **state)
{
	(void)state;
	expect_one("<domain><name>a</name></domain>", "<network><name>a</name></network>", NULL,
		   "/", "<domain><name>a</name></domain>", "<network><name>a</name></network>",
		   KH_VALUE_XML);
}

/* ---- hostile and malformed input ---- */

static void expect_error(const char *a, const char *b, const char *msg)
{
	struct kh_xml_changes c = { 0 };
	struct kh_err err = { "" };

	/* what was there before stays, nothing is added */
	c.items = calloc(1, sizeof *c.items);
	c.items[0].path = strdup("/kept");
	c.n = c.cap = 1;
	assert_int_equal(kh_xml_diff(a, b, NULL, &c, &err), -1);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("error '%s' lacks '%s'", err.msg, msg);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.items[0].path, "/kept");
	kh_xml_changes_free(&c);
}

static void test_malformed(void **state)
{
	char *symlink_text = kh_test_try_slurp(CORPUS "/tests/qemuxml2xmloutdata/blkdeviotune-group-num.xml", NULL);

	(void)state;
	expect_error(aries, "<domain><name>x</domain>",
		     "new XML is malformed: line 1: Opening and ending tag mismatch");
	expect_error("<domain", aries, "old XML is malformed: line 1:");
	expect_error(NULL, aries, "old XML is missing");
	expect_error(aries, "", "new XML is empty");
	expect_error(aries, "  \n", "new XML is empty");
	expect_error(aries, "just text", "new XML is malformed");
	expect_error(aries, "<a/><b/>", "new XML is malformed");
	if (symlink_text)
		expect_error(aries, symlink_text, "new XML is malformed");
	free(symlink_text);
}

static char *nested(size_t depth, const char *leaf)
{
	size_t n = depth * 7 + strlen(leaf) + 1;
	char *s = malloc(n), *p = s;

	assert_non_null(s);
	for (size_t i = 0; i < depth; i++)
		p += sprintf(p, "<a>");
	p += sprintf(p, "%s", leaf);
	for (size_t i = 0; i < depth; i++)
		p += sprintf(p, "</a>");
	return s;
}

static void test_deep(void **state)
{
	char *deep = nested(100000, "x"), *a = nested(200, "x"), *b = nested(200, "y");
	struct kh_xml_changes c = { 0 };

	(void)state;
	/* far too deep for libxml2: refused, not a crash */
	expect_error(aries, deep, "new XML is malformed");
	/* deep but allowed: one change at the bottom */
	diff(a, b, NULL, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(strlen(c.items[0].path), 200 * 2);
	assert_string_equal(c.items[0].old, "x");
	kh_xml_changes_free(&c);
	free(deep);
	free(a);
	free(b);
}

/* Many unkeyed siblings: matched by content in n log n, reversed order is no change. */
static void test_wide(void **state)
{
	enum { N = 50000 };
	char *a = malloc(N * 32 + 32), *b = malloc(N * 32 + 32), *pa = a, *pb = b;
	struct kh_xml_changes c = { 0 };

	(void)state;
	pa += sprintf(pa, "<x>");
	pb += sprintf(pb, "<x>");
	for (int i = 0; i < N; i++) {
		pa += sprintf(pa, "<e v='%d'/>", i);
		pb += sprintf(pb, "<e v='%d'/>", i == 777 ? -1 : N - 1 - i);
	}
	strcpy(pa, "</x>");
	strcpy(pb, "</x>");
	diff(a, b, NULL, &c);
	/* e v=N-1-777 is gone, v=-1 came: the two pair up by position */
	assert_int_equal(c.n, 1);
	assert_string_equal(c.items[0].new_, "-1");
	kh_xml_changes_free(&c);
	free(a);
	free(b);
}

/* No external entity is read, no entity expanded. */
static void test_entities(void **state)
{
	static const char xxe[] =
		"<!DOCTYPE domain [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
		"<domain><name>&xxe;</name></domain>";
	static const char laughs[] =
		"<!DOCTYPE domain [<!ENTITY l0 \"lol\">"
		"<!ENTITY l1 \"&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;\">"
		"<!ENTITY l2 \"&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;\">"
		"<!ENTITY l3 \"&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;\">"
		"<!ENTITY l4 \"&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;\">"
		"<!ENTITY l5 \"&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;\">"
		"<!ENTITY l6 \"&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;\">"
		"<!ENTITY l7 \"&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;\">"
		"<!ENTITY l8 \"&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;\">"
		"<!ENTITY l9 \"&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;\">]>"
		"<domain><name>&l9;</name></domain>";
	static const char plain[] = "<domain><name>a</name></domain>";

	(void)state;
	expect_one(plain, xxe, NULL, "/domain/name", "a", "&xxe;", KH_VALUE_TEXT);
	/* libxml2 refuses the amplification itself; either way nothing is expanded */
	expect_error(plain, laughs, "new XML is malformed: line 1: Detected an entity reference loop");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_reordered_is_no_change),
		cmocka_unit_test(test_corpus_attribute_edit_is_one_change),
		cmocka_unit_test(test_corpus_element_removal_is_one_change),
		cmocka_unit_test(test_attribute_value),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_memory_is_bytes_once),
		cmocka_unit_test(test_element_added),
		cmocka_unit_test(test_element_removed),
		cmocka_unit_test(test_keyed_children_reordered),
		cmocka_unit_test(test_attribute_added_and_removed),
		cmocka_unit_test(test_unkeyed_repeated),
		cmocka_unit_test(test_ordered_boot),
		cmocka_unit_test(test_key_quoting),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_equivalent_spellings),
		cmocka_unit_test(test_network_keys),
		cmocka_unit_test(test_ignore_list),
		cmocka_unit_test(test_volume_timestamps_and_units),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_root_replaced),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_entities),
	};

	return cmocka_run_group_tests_name("xmldiff", tests, corpus_setup, corpus_teardown);
}
