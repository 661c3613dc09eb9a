/* Argument helpers shared by the addon's functions: TypeErrors and typed-array arguments (napi_args.c). */
#ifndef NAPI_ARGS_H
#define NAPI_ARGS_H
#include <node_api.h>

/* Throws a TypeError with `message` and returns NULL, for `return addon_type_error(env, "...")`. */
napi_value addon_type_error(napi_env env, const char *message);

/* Whether `value` is a typed array; sets its element type, length and data. */
int addon_typed_array(napi_env env, napi_value value, napi_typedarray_type *type, size_t *length, void **data);

/* Whether `value` is a typed array of `type` with at least `needed` elements; sets its length and data. */
int addon_typed_array_of(napi_env env, napi_value value, napi_typedarray_type type, size_t needed, size_t *length, void **data);

#endif
