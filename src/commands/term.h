/* term.h: text made safe for a terminal.
 *
 * File names come from the disk and can hold anything: a newline breaks
 * the progress bar and the summary, ESC or C1's CSI and OSC can move the
 * cursor or set the window title.  Everything printed as text (not JSON,
 * which escapes by itself) that holds a name goes through term_escape().
 */
#ifndef IMGOPT_TERM_H
#define IMGOPT_TERM_H

/* s with invalid UTF-8, and each byte of a C0 control, DEL or C1 control
 * (U+0080 to U+009F), written as \xHH.  Caller frees.  Aborts when out of
 * memory.
 */
char *term_escape(const char *s);

#endif
