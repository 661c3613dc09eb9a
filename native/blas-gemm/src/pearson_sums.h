/* pearsonSums: one query row's Pearson sums over its similarities (see pearson_sums.c). */
#ifndef PEARSON_SUMS_H
#define PEARSON_SUMS_H
#include <node_api.h>

napi_value pearson_sums(napi_env env, napi_callback_info info);

#endif
