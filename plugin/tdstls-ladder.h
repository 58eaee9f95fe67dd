/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * `tshark -q -z tdstls,ladder[,filter]`: each SQL Server connection as a
 * trace for teaching, the seven phases as headings and under each its
 * frames (time, direction, what the frame is), the diagnosis where it shows.
 */
#ifndef TDSTLS_LADDER_H
#define TDSTLS_LADDER_H

void tdstls_ladder_register(void);

#endif
