/* The centred fit behind the site calibration (defined in calibrate/calibrate.c, used by
 * calibrate/site.c). */
#ifndef LW_SITE_INTERNAL_H
#define LW_SITE_INTERNAL_H

#include "llmwatt/estimate.h"

/* Fits one family's coefficients to rows idx[0..n) with the calibration objective, the prior
 * centred on `centre` (widths of the physics prior); idle_fraction, sigma_log and family are
 * the centre's, rows is n. */
lw_status lw_calib_fit_centred(const lw_catalogue *cat, const lw_calib_row *rows, const int *idx, int n,
                               const lw_roofline_coeffs *centre, lw_roofline_coeffs *out, lw_err *err);

#endif
