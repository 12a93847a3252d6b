/* A check shared by the tests of the XML documents (feeds, badges): @p xml parses with a
 * real XML parser (python3's minidom, through a temporary file). */
#ifndef TC_TEST_XML_WELL_FORMED_H
#define TC_TEST_XML_WELL_FORMED_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void well_formed(const char *xml, size_t len)
{
    char path[] = "/tmp/tocsin-xml-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, xml, len), (ssize_t)len);
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])'"
             " %s",
             path);
    int rc = system(cmd);
    unlink(path);
    if (rc != 0) {
        print_message("not well-formed XML:\n%s\n", xml);
        fail();
    }
}

#endif
