/* llmwatt: the export macro. Every function declared in include/llmwatt/ is marked LW_API;
 * the library is compiled with -fvisibility=hidden, so libllmwatt.so exports exactly the
 * functions these headers declare (docs/design.md, "ABI"). A build may predefine LW_API. */
#ifndef LLMWATT_EXPORT_H
#define LLMWATT_EXPORT_H

#ifndef LW_API
#if defined(__GNUC__) || defined(__clang__)
#define LW_API __attribute__((visibility("default")))
#else
#define LW_API
#endif
#endif

#endif
