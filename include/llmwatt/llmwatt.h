/* llmwatt: energy, cost and carbon of LLM inference, estimated and measured.
 * Umbrella header: includes every public header of libllmwatt. */
#ifndef LLMWATT_H
#define LLMWATT_H

#include "llmwatt/export.h"
#include "llmwatt/version.h"
#include "llmwatt/status.h"
#include "llmwatt/progress.h"
#include "llmwatt/precision.h"
#include "llmwatt/io.h"
#include "llmwatt/model.h"
#include "llmwatt/gpu.h"
#include "llmwatt/catalogue.h"
#include "llmwatt/accounting.h"
#include "llmwatt/points.h"
#include "llmwatt/estimate.h"
#include "llmwatt/plot.h"
#include "llmwatt/scale.h"
#include "llmwatt/physics.h"
#include "llmwatt/power.h"
#include "llmwatt/measure.h"
#include "llmwatt/cost.h"
#include "llmwatt/grid.h"
#include "llmwatt/history.h"
#include "llmwatt/report.h"
#include "llmwatt/trace.h"
#include "llmwatt/exporter.h"
#include "llmwatt/loop.h"

#endif
