// Argument helpers shared by the addon's functions: TypeErrors and typed-array arguments.
#include "napi_args.h"

#include <stdbool.h>

napi_value addon_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

int addon_typed_array(napi_env env, napi_value value, napi_typedarray_type *type, size_t *length, void **data) {
  bool typed = false;
  if (napi_is_typedarray(env, value, &typed) != napi_ok || !typed) return 0;
  return napi_get_typedarray_info(env, value, type, length, data, NULL, NULL) == napi_ok;
}

int addon_typed_array_of(napi_env env, napi_value value, napi_typedarray_type type, size_t needed, size_t *length, void **data) {
  napi_typedarray_type actual;
  return addon_typed_array(env, value, &actual, length, data) && actual == type && *length >= needed;
}
