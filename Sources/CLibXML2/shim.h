// libxml2 (Debian libxml2-dev). C globals that Swift 6 cannot touch safely
// (xmlFree is a global function pointer, xmlParserVersion a global string) are
// wrapped in shim functions here.
#ifndef SPARSESIM_CLIBXML2_SHIM_H
#define SPARSESIM_CLIBXML2_SHIM_H

// Debian builds libxml2 with ICU, so <libxml/encoding.h> would include the system's ICU
// headers, whose `UErrorCode` clashes with Foundation's bundled ICU in any Swift file that also
// imports Foundation. SparseSim uses no ICU-dependent libxml2 API (only the ICU converter
// fields of xmlCharEncodingHandler, which it never touches, depend on it), so hide ICU here.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

/// Frees memory that libxml2 allocated (wraps the global `xmlFree` pointer).
static inline void sparsesim_xml_free(void *pointer) {
    xmlFree(pointer);
}

/// The run-time libxml2 version string, e.g. "20914".
static inline const char *sparsesim_xml_parser_version(void) {
    return xmlParserVersion;
}

/// The parse options SparseSim always uses: no network, big line numbers,
/// never entity substitution or DTD loading.
static inline int sparsesim_xml_safe_parse_options(void) {
    return XML_PARSE_NONET | XML_PARSE_BIG_LINES;
}

/// Routes this thread's parser errors to `handler` (libxml2 keeps this setting per thread);
/// pass NULLs to restore the default.
static inline void sparsesim_xml_set_error_handler(void *context, xmlStructuredErrorFunc handler) {
    xmlSetStructuredErrorFunc(context, handler);
}

#endif
